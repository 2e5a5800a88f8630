// Package train implements darkgo's training loop and everything around it
// that is neither the model nor the loss: the Adam optimizer, the warm-up +
// cosine learning-rate schedule, data augmentation, batching and background
// data loading, TensorBoard/CSV/PNG logging, checkpoints with exact resume,
// and the NaN/Inf guard.
//
// It is one package, separate from yolo/ (the network and its tape
// forward), loss/ (label assignment, the YOLOv3 loss and its gradient) and
// dataset/ (annotations, images, letterbox), because these pieces form one
// concern: turning a model, a loss and a data set into a sequence of
// deterministic updates that can be stopped, logged and resumed.
//
// # One update
//
// Letters: N images per batch (Config.Batch), S the input side, A = 3
// anchors, K classes, B = ⌈images/N⌉ updates per epoch.
//
//	loader goroutine (Loader)            training goroutine (Trainer.step)
//	─────────────────────────            ─────────────────────────────────
//	sample → Augment.Apply               x [N, 3, S, S] ← batch b
//	       → dataset.Letterbox           raw_i [N, A·(5+K), S/sᵢ, S/sᵢ] = Net.Forward(x, train)
//	       → loss.Assign                 terms, dRaw_i = loss.Compute(raw, targets)
//	batch b+1, b+2 prepared              Net.Backward(dRaw) → every Param.Grad
//	while b trains                       Adam.Step(params, Schedule.LR(k))
//
// After each epoch: the validation loss (evaluation-mode BN, no
// augmentation), the "last" checkpoint and, if the validation loss
// improved, the "best" one.
//
// # Determinism
//
// All randomness is explicit. The model is initialised from
// PCG(seed, 0x1417); the data order comes from a PCG(seed, 0xda7a) whose
// state is saved at the start of every epoch: each epoch draws its
// permutation and then one 64-bit epoch seed from it, and the sample at
// position p of the epoch is augmented with its own PCG(epochSeed, p). So a
// sample's augmentation does not depend on which goroutine prepares it, and
// a run resumed from a checkpoint in the middle of an epoch replays the
// epoch's draws and skips the batches already done. Adam's update is
// elementwise and split across goroutines by index range; its assembly
// kernels use the same float32 operations in the same order as the Go
// twin (no FMA), so every element gets the same bits wherever a split
// puts it (TestAdamKernels). Together with a
// deterministic forward/backward (conv/, mat/) this makes "2N updates
// straight" and "N updates, resume from disk, N updates" bit-identical,
// whatever the worker counts (TestYOLOResumeExact).
//
// # The seed's quirks (SPEC §12) and what this package does
//
//   - 2, horizontal flip on digits: off by default, Config.Flip enables it.
//   - 3, the crop never cuts right/bottom: fixed, all four sides (Augment).
//   - 4, translate fills with black: fills with Config.Fill, default 128
//     like the letterbox pad; 255 suits white MNIST canvases.
//   - 5, boxes truncated to integers: fixed, boxes stay float64 through
//     augmentation and letterboxing (Data.Prepare).
//   - 7, the declared L2 regulariser never reaches the loss: kept (no weight
//     decay), as the reference trains.
//   - 8, learning-rate off-by-one: fixed, update k uses Schedule.LR(k), so
//     update 1 runs at LR/warm-up instead of Adam's default 1e-3.
//
// Also different from the seed, deliberately: the validation loss is the
// mean over images, not over topped-up batches of a shuffled list; the best
// loss starts at +Inf, not 1000; images without boxes are dropped (as the
// seed does) and decoded images are cached up to 1 GiB, then read on demand.
//
// # Files in Config.Out
//
//	last.weights, last.state   after every epoch and when stopped (darknet weights + State)
//	best.weights, best.state   when the validation loss improves
//	loss.csv, loss.png         every Record; the curves, redrawn every epoch
//	log/events.out.tfevents.*  TensorBoard, the seed's tags
//
// # Reading order
//
// trainer.go (Net, Trainer.Run, step, validate), then schedule.go,
// adam.go (adam_kernels.go holds the per-element update, with AVX-512,
// AVX and NEON versions in adam_amd64.s and adam_arm64.s), loader.go, augment.go, data.go, checkpoint.go, log.go,
// tensorboard.go, plot.go, guard.go, progress.go; yolonet.go wires
// yolo.Model and the autograd tape to Net and builds a Trainer from a
// Config (Setup, SetupResume).
//
// Left out: multi-scale training, colour/scale/rotation jitter, mosaic,
// mixed precision, gradient accumulation, and the seed's mAP at the end of
// training (the evaluation command does that).
package train
