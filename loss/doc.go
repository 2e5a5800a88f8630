// Package loss implements the YOLOv3 training loss of the reference
// (pythonlessons/TensorFlow-2.x-YOLOv3, SPEC §6.4 and §7): label assignment
// of ground-truth boxes to anchor slots, the three loss terms (GIoU box
// regression, objectness with an ignore mask and a focal factor, class
// sigmoid cross-entropy) computed from the raw head outputs, and their
// analytic gradient with respect to those outputs.
//
// It does not depend on the model: a Config gives the input size, the
// number of classes and, per scale, the stride and the anchors (YOLOv3 and
// YOLOv3Tiny fill it). Scale i everywhere is the head with Strides[i].
//
// # Shapes
//
//	N       images in the batch
//	C       classes; F = 5 + C fields per anchor
//	A       anchors per scale (3)
//	W, H    network input in pixels; scale i has a grid of
//	        S_h × S_w = (H/stride_i) × (W/stride_i)
//
//	raw[i], grad[i]   (N, A·F, S_h, S_w)  darknet NCHW, channel a·F + k,
//	                  k: 0 tx, 1 ty, 2 tw, 3 th, 4 objectness logit, 5+c class logits
//	Targets.Scales[i].Label  (S_h, S_w, A, F)  x, y, w, h (pixels), r, t_0 … t_{C−1}
//	Targets.Scales[i].List   (MaxBoxes, 4)     centre-form boxes of this scale
//
// # Label assignment (Assign, SPEC §6.4)
//
// For each box (x1, y1, x2, y2, c), in order: xywh = ((x1+x2)/2,
// (y1+y2)/2, x2−x1, y2−y1). For each scale, the box divided by the stride
// lands in cell (⌊cx/s⌋, ⌊cy/s⌋); each anchor, of size anchor/s and centred
// at the cell centre (+0.5), is compared by IoU with the scaled box. Every
// anchor with IoU > 0.3 gets, at label[row, col, a], the box xywh in pixels,
// r = 1 and t_k = (1−δ)·[k = c] + δ/C with δ = 0.01 (stored as float32);
// the box is then appended once to that scale's list at row count mod 100.
// If no anchor of any scale passed, the largest of all the IoUs (flat index
// scale·A + a, first maximum) gets the same write.
//
// Reference behaviours kept on purpose, because the golden vectors encode
// them (SPEC §12): a later box overwrites an earlier one in a shared slot
// (Owner records who won), the list wraps around after 100 boxes, and the
// ignore mask only sees the boxes listed for its own scale (quirk 9;
// Config.IgnoreAllScales switches to every box of the image, darknet's
// choice). Changed on purpose: boxes with out-of-order corners, a centre
// outside the input or an unknown class are an error, where the reference
// crashes (or wraps a negative index) and deletes the annotation line.
//
// # Loss (Compute, SPEC §7)
//
// For every slot (image n, scale i, row, col, anchor a) with raw values
// t, label r, t_c and ground truth g = (gx, gy, gw, gh), the prediction is
//
//	px = (σ(tx) + col)·s    py = (σ(ty) + row)·s
//	pw = e^tw·anchor_w      ph = e^th·anchor_h      p = σ(t4)
//
// and the three terms are
//
//	L_giou = r·(2 − gw·gh/(W·H))·(1 − GIoU(pred, g))
//	L_conf = (r − p)²·(r + bg)·CE(r, t4),   bg = (1 − r)·[max_k IoU(pred, list_k) < 0.5]
//	L_prob = r·Σ_c CE(t_c, t_{5+c})
//
// with CE(z, x) = max(x, 0) − x·z + log(1 + e^−|x|) and
// GIoU = I/U − (E − U)/E (I intersection, U union, E enclosing-box area).
// Each term is summed over the slots (and classes) of an image, averaged
// over the N images and summed over the scales; the total is their sum.
// For a square 416 input W·H = 416², the reference's constant; for W ≠ H
// the bbox scale uses the input area W·H (the reference is square only).
//
// # Gradient (SPEC §7.4)
//
// With the batch mean, every derivative carries a factor 1/N.
//
//	∂L_conf/∂t4    = w·(p − r)·[2p(1 − p)·CE(r, t4) + (r − p)²],  w = r + bg
//	                 (the focal factor is not detached, quirk 25; no
//	                 gradient through the ignore comparison)
//	∂L_prob/∂t_5+c = r·(σ(t_5+c) − t_c)
//	∂L_giou/∂tx    = −r·scale·∂GIoU/∂px · s·σ(tx)(1 − σ(tx))     (ty alike)
//	∂L_giou/∂tw    = −r·scale·∂GIoU/∂pw · pw                      (th alike)
//
// ∂GIoU/∂(px, py, pw, ph) goes through the corners x1,2 = px ∓ pw/2: with
// G = I/U − 1 + U/E and U = Ap + Ag − I,
//
//	∂G/∂I = 1/U + I/U² − 1/E    ∂G/∂Ap = −I/U² + 1/E    ∂G/∂E = −U/E²
//
// and I, Ap, E are products of min/max differences of the corners, whose
// sub-gradient goes to the prediction when its edge is the strict winner.
//
// # Numerical safety
//
// All arithmetic is float64 (inputs and gradients are float32). The GIoU
// term is evaluated only where r ≠ 0, never multiplied by 0 (quirk 24);
// tw and th are clamped to ±80 inside exp, where the loss is already flat
// (derivative 0 beyond); sigmoid and the cross-entropy are the stable forms;
// an empty union or enclosing box contributes 0 instead of 0/0. A NaN in
// any raw output that the reference reads (every field of every slot) makes
// the loss NaN, as in the reference, so a trainer can detect it.
package loss
