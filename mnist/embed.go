package mnist

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
)

// The MNIST test set (10,000 digits), as published by Y. LeCun, C. Cortes
// and C. J. C. Burges, CC BY-SA 3.0; see LICENSE-MNIST.
var (
	//go:embed t10k-images-idx3-ubyte.gz
	t10kImages []byte
	//go:embed t10k-labels-idx1-ubyte.gz
	t10kLabels []byte
)

// Embedded decodes the embedded MNIST test set: 10,000 labelled 28×28
// digits. Each call decodes afresh (about 50 ms) and returns memory the
// caller owns.
func Embedded() (*Set, error) {
	s, err := readBytesSet(t10kImages, t10kLabels)
	if err != nil {
		return nil, fmt.Errorf("%w (embedded t10k)", err)
	}
	return s, nil
}

// The IDX base names of the official distribution; each may also carry a
// .gz suffix.
const (
	TrainImagesFile = "train-images-idx3-ubyte"
	TrainLabelsFile = "train-labels-idx1-ubyte"
	TestImagesFile  = "t10k-images-idx3-ubyte"
	TestLabelsFile  = "t10k-labels-idx1-ubyte"
)

// ReadDir reads the official training and test sets from dir, which holds
// the four IDX files under their official names, gzip-compressed (.gz) or
// not.
func ReadDir(dir string) (train, test *Set, err error) {
	train, err = readDirSet(dir, TrainImagesFile, TrainLabelsFile)
	if err != nil {
		return nil, nil, err
	}
	test, err = readDirSet(dir, TestImagesFile, TestLabelsFile)
	if err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

func readDirSet(dir, images, labels string) (*Set, error) {
	im, err := readDirIDX(dir, images)
	if err != nil {
		return nil, err
	}
	lb, err := readDirIDX(dir, labels)
	if err != nil {
		return nil, err
	}
	s, err := NewSet(im, lb)
	if err != nil {
		return nil, fmt.Errorf("%w (%s, %s)", err, filepath.Join(dir, images), labels)
	}
	return s, nil
}

func readDirIDX(dir, base string) (*IDX, error) {
	for _, name := range []string{base, base + ".gz"} {
		path := filepath.Join(dir, name)
		f, err := os.Open(path)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("mnist: %w", err)
		}
		defer f.Close()
		x, err := ReadIDX(f)
		if err != nil {
			return nil, fmt.Errorf("%w (%s)", err, path)
		}
		return x, nil
	}
	return nil, fmt.Errorf("mnist: %s: neither %s nor %s.gz exists", dir, base, base)
}
