package train

import (
	"fmt"
	"time"
)

// Progress estimates throughput and the time left. Rates are exponential
// moving averages so the estimate follows the machine's current speed.
type Progress struct {
	StepsPerEpoch int
	TotalSteps    int64
	stepSec       float64 // EMA of seconds per update
	valSec        float64 // last validation time
	epochsLeft    int
}

// Observe records that one update took d.
func (p *Progress) Observe(d time.Duration) {
	s := d.Seconds()
	if p.stepSec == 0 {
		p.stepSec = s
	} else {
		p.stepSec = 0.9*p.stepSec + 0.1*s
	}
}

// ObserveVal records that one validation pass took d.
func (p *Progress) ObserveVal(d time.Duration) { p.valSec = d.Seconds() }

// ETA is the estimated time to finish after update step, during epoch
// (0-based) of epochs: the remaining updates plus the validation passes of
// this and the later epochs.
func (p *Progress) ETA(step int64, epoch, epochs int) time.Duration {
	left := float64(p.TotalSteps-step)*p.stepSec + float64(epochs-epoch)*p.valSec
	return time.Duration(left * float64(time.Second)).Round(time.Second)
}

// Line formats the progress line of a training record:
//
//	epoch  3/100 step  120/250 update    870 lr 9.98e-05 giou   1.23 conf   4.56 prob   0.12 total   5.91  3.2 img/s ETA 1h2m3s
func (p *Progress) Line(r Record, epochs int) string {
	inEpoch := (r.Step-1)%int64(p.StepsPerEpoch) + 1
	return fmt.Sprintf("epoch %3d/%d step %5d/%d update %7d lr %.3g giou %7.2f conf %7.2f prob %7.2f total %7.2f %6.2f img/s ETA %v",
		r.Epoch+1, epochs, inEpoch, p.StepsPerEpoch, r.Step, r.LR, r.GIoU, r.Conf, r.Prob, r.Total,
		r.ImagesPerSec, p.ETA(r.Step, r.Epoch, epochs))
}

// ValLine formats the validation summary of an epoch, as the seed prints it.
func ValLine(r Record, best bool) string {
	s := fmt.Sprintf("epoch %3d validation: giou_val_loss %7.2f conf_val_loss %7.2f prob_val_loss %7.2f total_val_loss %7.2f",
		r.Epoch+1, r.GIoU, r.Conf, r.Prob, r.Total)
	if best {
		s += " (best so far, saved)"
	}
	return s
}
