// Command yolo is darkgo's command-line interface: one binary, one
// subcommand per job. Run "yolo help" for the list.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
)

// command is one subcommand, in the style of the go command: a usage line,
// short and long help, its own flag set, and a run function that returns an
// error instead of exiting.
type command struct {
	name  string
	usage string // arguments after the name
	short string // one line for "yolo help"
	long  string // paragraph for "yolo help NAME"
	// setup binds the command's flags to a fresh configuration and returns
	// the function that runs it with the remaining arguments.
	setup func(fs *flag.FlagSet) func(ctx context.Context, args []string) error
}

// commands is the flat table of subcommands, in help order.
var commands = []*command{
	mnistCommand,
	mnistDataCommand,
	trainCommand,
	evalCommand,
	detectCommand,
	lossCommand,
	anchorsCommand,
	inferCommand,
	cpuCommand,
}

// errUsage marks an error the user fixes by changing the command line.
var errUsage = errors.New("usage error")

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		return help(args, stdout, stderr)
	}
	cmd := lookup(args[0])
	if cmd == nil {
		fmt.Fprintf(stderr, "yolo: unknown command %q\nrun 'yolo help'\n", args[0])
		return 2
	}
	fs := flag.NewFlagSet("yolo "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: yolo %s %s\n\n%s\n\nflags:\n", cmd.name, cmd.usage, strings.TrimSpace(cmd.long))
		fs.PrintDefaults()
	}
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile to `file`")
	memProfile := fs.String("memprofile", "", "write a heap profile to `file` at exit")
	runCmd := cmd.setup(fs)
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintf(stderr, "yolo %s: %v\n", cmd.name, err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "yolo %s: %v\n", cmd.name, err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err := runCmd(ctx, fs.Args())
	if *memProfile != "" {
		if f, ferr := os.Create(*memProfile); ferr == nil {
			pprof.WriteHeapProfile(f)
			f.Close()
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "yolo %s: %v\n", cmd.name, err)
		if errors.Is(err, errUsage) {
			fmt.Fprintf(stderr, "run 'yolo help %s'\n", cmd.name)
			return 2
		}
		return 1
	}
	return 0
}

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

func help(args []string, stdout, stderr io.Writer) int {
	if len(args) >= 2 {
		cmd := lookup(args[1])
		if cmd == nil {
			fmt.Fprintf(stderr, "yolo help: unknown command %q\n", args[1])
			return 2
		}
		return run([]string{cmd.name, "-h"}, stdout, stdout)
	}
	fmt.Fprintln(stdout, "yolo: YOLOv3 object detection and training in pure Go.")
	fmt.Fprintln(stdout, "\nusage: yolo <command> [flags] [arguments]\n\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(stdout, "  %-12s %s\n", c.name, c.short)
	}
	fmt.Fprintln(stdout, "\nrun 'yolo help <command>' for a command's flags.")
	return 0
}
