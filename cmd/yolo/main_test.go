package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestDispatch checks the exit codes and messages of the command table:
// help lists every command, an unknown command or flag is a usage error (2),
// and cpu runs.
func TestDispatch(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"help"}, &out, &errb); code != 0 {
		t.Fatalf("help: exit %d", code)
	}
	for _, c := range commands {
		if !strings.Contains(out.String(), c.name) {
			t.Errorf("help does not list %s", c.name)
		}
	}
	out.Reset()
	if code := run([]string{"nosuch"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "run 'yolo help'") {
		t.Errorf("unknown command: exit %d, stderr %q", code, errb.String())
	}
	errb.Reset()
	if code := run([]string{"cpu", "-nosuchflag"}, &out, &errb); code != 2 {
		t.Errorf("bad flag: exit %d", code)
	}
	if code := run([]string{"help", "cpu"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "-seconds") {
		t.Errorf("help cpu: exit %d, %q", code, out.String())
	}
	if code := run([]string{"cpu", "-seconds", "0.01"}, &out, &errb); code != 0 {
		t.Errorf("cpu: exit %d: %s", code, errb.String())
	}
}
