package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMNISTData writes a small data set twice with one seed and checks the
// files are identical apart from the output directory in the paths, and
// that the test split does not depend on -train.
func TestMNISTData(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	if err := runMNISTData(context.Background(), &mnistDataConfig{out: a, train: 4, test: 2, size: 64, seed: 9}, nil); err != nil {
		t.Fatal(err)
	}
	if err := runMNISTData(context.Background(), &mnistDataConfig{out: b, train: 1, test: 2, size: 64, seed: 9}, nil); err != nil {
		t.Fatal(err)
	}
	read := func(dir, name string) []byte {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	for _, f := range []string{"mnist_test/000001.jpg", "mnist_test/000002.jpg", "mnist_train/000001.jpg", "mnist.names"} {
		if !bytes.Equal(read(a, f), read(b, f)) {
			t.Errorf("%s differs between runs with the same seed", f)
		}
	}
	ta := strings.ReplaceAll(string(read(a, "mnist_test.txt")), a, "")
	tb := strings.ReplaceAll(string(read(b, "mnist_test.txt")), b, "")
	if ta != tb || strings.Count(ta, "\n") != 2 {
		t.Errorf("test annotations differ:\n%s\n%s", ta, tb)
	}
	if n := strings.Count(string(read(a, "mnist_train.txt")), "\n"); n != 4 {
		t.Errorf("%d train lines, want 4", n)
	}
	if err := runMNISTData(context.Background(), &mnistDataConfig{train: 1, size: 64}, nil); !errors.Is(err, errUsage) {
		t.Errorf("missing -out: %v", err)
	}
}
