// Package metrics implements detection accuracy: per-class average
// precision and its mean (mAP) as the seed computes it (SPEC §9, VOC
// all-point AP at IoU 0.5), the VOC2007 11-point AP, and COCO's
// mAP@[.50:.05:.95] with 101-point interpolation, plus the reader for
// detection files made by any tool.
//
// # What is compared
//
// Per class (classes present in the ground truth only), detections over
// all images are ranked by score with a stable sort, so equal scores keep
// their input order (image order, then order within the image):
//
//	metric  IoU          thresholds    matching                        AP
//	voc     +1 pixel     MatchIoU      best object; a taken one → FP   all-point
//	voc07   +1 pixel     MatchIoU      same                            11-point
//	coco    continuous   .50:.05:.95   best untaken object, per image  101-point
//
// The matching IoU here is separate from the NMS IoU and the score
// threshold that produce the detections (package yolo): metrics never sees
// a network.
//
// Reading order: iou.go, ap.go (Evaluate, the VOC path), coco.go,
// detections.go.
//
// Left out: VOC "difficult" and COCO crowd flags, COCO area ranges and
// the maxDets cut (all detections are kept).
package metrics
