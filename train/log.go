package train

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"image/color"
	"io"
	"os"
	"path/filepath"
	"strconv"
)

// Record is one row of the training log: the loss terms of one update
// (Phase "train") or the mean validation loss after an epoch ("val").
type Record struct {
	Phase        string  // "train" or "val"
	Epoch        int     // 0-based
	Step         int64   // the update (train), or the last update of the epoch (val)
	LR           float64 // the rate the update used (train only)
	GIoU         float64 // loss terms, summed over scales, mean over images
	Conf         float64
	Prob         float64
	Total        float64
	ImagesPerSec float64 // train only: throughput of this step, data loading included
}

var csvHeader = []string{"phase", "epoch", "step", "lr", "giou", "conf", "prob", "total", "images_per_s"}

func (r Record) csvRow() []string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	return []string{r.Phase, strconv.Itoa(r.Epoch), strconv.FormatInt(r.Step, 10), f(r.LR),
		f(r.GIoU), f(r.Conf), f(r.Prob), f(r.Total), f(r.ImagesPerSec)}
}

func parseRecord(row []string) (Record, error) {
	if len(row) != len(csvHeader) {
		return Record{}, fmt.Errorf("%d fields, want %d", len(row), len(csvHeader))
	}
	r := Record{Phase: row[0]}
	var err error
	if r.Epoch, err = strconv.Atoi(row[1]); err != nil {
		return r, err
	}
	if r.Step, err = strconv.ParseInt(row[2], 10, 64); err != nil {
		return r, err
	}
	for i, p := range []*float64{&r.LR, &r.GIoU, &r.Conf, &r.Prob, &r.Total, &r.ImagesPerSec} {
		if *p, err = strconv.ParseFloat(row[3+i], 64); err != nil {
			return r, err
		}
	}
	return r, nil
}

// Logger writes the training log three ways, in the output directory:
//
//	log/events.out.tfevents.*   TensorBoard, the seed's tags (SPEC §8.3, §8.4):
//	                            lr, loss/total_loss, loss/giou_loss,
//	                            loss/conf_loss, loss/prob_loss at the update's
//	                            step; validate_loss/total_val, giou_val,
//	                            conf_val, prob_val at step = epoch (0-based),
//	                            as the seed does
//	loss.csv                    every Record, one row each
//	loss.png                    the loss curves, redrawn by Plot
//
// The seed's lr scalar at step gs is the rate set for the next update; ours
// at step k is the rate update k used (the off-by-one is fixed, Schedule).
type Logger struct {
	dir     string
	tb      *EventWriter
	csvFile *os.File
	csv     *csv.Writer
	History []Record
}

// OpenLogger opens the logs in dir. When resuming after update step, the
// rows of loss.csv written after that update (by a run that stopped before
// its next checkpoint) are dropped first, so the CSV and the plot continue
// seamlessly; step < 0 starts a fresh log.
func OpenLogger(dir string, resumeStep int64) (*Logger, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("train: log: %w", err)
	}
	l := &Logger{dir: dir}
	path := filepath.Join(dir, "loss.csv")
	if resumeStep >= 0 {
		hist, err := readHistory(path)
		if err != nil {
			return nil, err
		}
		for _, r := range hist {
			if r.Step <= resumeStep {
				l.History = append(l.History, r)
			}
		}
	}
	err := WriteFileAtomic(path, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		cw.Write(csvHeader)
		for _, r := range l.History {
			cw.Write(r.csvRow())
		}
		cw.Flush()
		return cw.Error()
	})
	if err != nil {
		return nil, err
	}
	if l.csvFile, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0); err != nil {
		return nil, fmt.Errorf("train: log: %w", err)
	}
	l.csv = csv.NewWriter(l.csvFile)
	if l.tb, err = NewEventWriter(filepath.Join(dir, "log"), "darkgo"); err != nil {
		l.csvFile.Close()
		return nil, err
	}
	return l, nil
}

func readHistory(path string) ([]Record, error) {
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("train: log: %w", err)
	}
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("train: log: %s: %w", path, err)
	}
	var out []Record
	for i, row := range rows {
		if i == 0 {
			continue // header
		}
		r, err := parseRecord(row)
		if err != nil {
			return nil, fmt.Errorf("train: log: %s:%d: %v", path, i+1, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// Log appends r to every log. Train records are flushed to TensorBoard
// every step, as the seed does.
func (l *Logger) Log(r Record) error {
	l.History = append(l.History, r)
	var err error
	switch r.Phase {
	case "train":
		err = l.tb.Write(r.Step, Scalar{"lr", r.LR}, Scalar{"loss/total_loss", r.Total},
			Scalar{"loss/giou_loss", r.GIoU}, Scalar{"loss/conf_loss", r.Conf}, Scalar{"loss/prob_loss", r.Prob})
	case "val":
		err = l.tb.Write(int64(r.Epoch), Scalar{"validate_loss/total_val", r.Total},
			Scalar{"validate_loss/giou_val", r.GIoU}, Scalar{"validate_loss/conf_val", r.Conf},
			Scalar{"validate_loss/prob_val", r.Prob})
	default:
		return fmt.Errorf("train: log: phase %q", r.Phase)
	}
	if err != nil {
		return err
	}
	if err := l.tb.Flush(); err != nil {
		return err
	}
	l.csv.Write(r.csvRow())
	l.csv.Flush()
	if err := l.csv.Error(); err != nil {
		return fmt.Errorf("train: log: %w", err)
	}
	return nil
}

// Plot redraws loss.png from the history: the training total of every
// update (faint), the per-epoch means of the training terms, and the
// validation total after each epoch, on a log scale.
func (l *Logger) Plot() error {
	var raw Series
	raw = Series{Name: "train total (each step)", Color: color.RGBA{170, 200, 235, 255}}
	names := []string{"train total", "train giou", "train conf", "train prob"}
	colors := []color.RGBA{{31, 119, 180, 255}, {44, 160, 44, 255}, {255, 127, 14, 255}, {148, 103, 189, 255}}
	means := make([]Series, 4)
	for i := range means {
		means[i] = Series{Name: names[i] + " (epoch mean)", Color: colors[i], Width: 2}
	}
	val := Series{Name: "validation total", Color: color.RGBA{214, 39, 40, 255}, Width: 2, Dots: true}
	var sum [4]float64
	n, epoch, last := 0, -1, int64(0)
	flush := func() {
		if n > 0 {
			for i := range means {
				means[i].X = append(means[i].X, float64(last))
				means[i].Y = append(means[i].Y, sum[i]/float64(n))
			}
		}
		sum, n = [4]float64{}, 0
	}
	for _, r := range l.History {
		switch r.Phase {
		case "train":
			if r.Epoch != epoch {
				flush()
				epoch = r.Epoch
			}
			raw.X, raw.Y = append(raw.X, float64(r.Step)), append(raw.Y, r.Total)
			for i, v := range []float64{r.Total, r.GIoU, r.Conf, r.Prob} {
				sum[i] += v
			}
			n, last = n+1, r.Step
		case "val":
			val.X, val.Y = append(val.X, float64(r.Step)), append(val.Y, r.Total)
		}
	}
	flush()
	series := append([]Series{raw}, means...)
	series = append(series, val)
	return WriteFileAtomic(filepath.Join(l.dir, "loss.png"), func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		if err := PlotPNG(bw, "Training loss (log scale)", "update (step)", series, true); err != nil {
			return err
		}
		return bw.Flush()
	})
}

// Close flushes and closes the logs.
func (l *Logger) Close() error {
	l.csv.Flush()
	err := l.csv.Error()
	if cerr := l.csvFile.Close(); err == nil {
		err = cerr
	}
	if terr := l.tb.Close(); err == nil {
		err = terr
	}
	return err
}
