package train

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"time"
)

// TensorBoard event files, written with the standard library only.
//
// A file is a sequence of TFRecords:
//
//	uint64 length (little-endian)
//	uint32 masked CRC-32C of the 8 length bytes
//	length bytes of data: one serialized tensorflow.Event protobuf
//	uint32 masked CRC-32C of the data
//
// with mask(c) = ((c >> 15) | (c << 17)) + 0xa282ead8 (uint32 arithmetic).
// The protobuf subset we need (field numbers from tensorflow/core/util/
// event.proto and summary.proto):
//
//	Event   { double wall_time = 1; int64 step = 2;
//	          oneof { string file_version = 3; Summary summary = 5; } }
//	Summary { repeated Value value = 1; }
//	Value   { string tag = 1; float simple_value = 2; }
//
// The first record of every file is an Event with file_version
// "brain.Event:2", which is how TensorBoard recognises the format.

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// maskedCRC is TFRecord's masked CRC-32C.
func maskedCRC(b []byte) uint32 {
	c := crc32.Checksum(b, castagnoli)
	return ((c >> 15) | (c << 17)) + 0xa282ead8
}

// Scalar is one named value for an event.
type Scalar struct {
	Tag   string
	Value float64 // stored as float32 (simple_value)
}

// EventWriter appends scalar summaries to one TensorBoard event file.
type EventWriter struct {
	f    *os.File
	w    *bufio.Writer
	Path string
}

// NewEventWriter creates dir if needed and a new event file in it named
// events.out.tfevents.<unix seconds>.<host>.<name>.<n> (TensorBoard reads
// every file matching events.out.tfevents.* in a run directory), and writes
// the file_version record.
func NewEventWriter(dir, name string) (*EventWriter, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("train: tensorboard: %w", err)
	}
	host, _ := os.Hostname()
	if host == "" {
		host = "localhost"
	}
	now := time.Now()
	// Never overwrite an earlier file (a resumed run may start within the
	// same second): the first free .<n> suffix wins.
	var f *os.File
	var path string
	for n := 0; ; n++ {
		path = filepath.Join(dir, fmt.Sprintf("events.out.tfevents.%d.%s.%s.%d", now.Unix(), host, name, n))
		var err error
		f, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			break
		}
		if !os.IsExist(err) || n == 999 {
			return nil, fmt.Errorf("train: tensorboard: %w", err)
		}
	}
	ew := &EventWriter{f: f, w: bufio.NewWriter(f), Path: path}
	ev := appendEventHeader(nil, now, 0)
	ev = appendBytesField(ev, 3, []byte("brain.Event:2"))
	if err := ew.record(ev); err != nil {
		f.Close()
		return nil, err
	}
	return ew, ew.Flush()
}

// Write appends one Event holding the scalars at step, stamped with the
// current wall time.
func (ew *EventWriter) Write(step int64, scalars ...Scalar) error {
	var summary []byte
	for _, s := range scalars {
		var v []byte
		v = appendBytesField(v, 1, []byte(s.Tag))
		v = appendTag(v, 2, 5) // wire type 5: fixed32
		v = binary.LittleEndian.AppendUint32(v, math.Float32bits(float32(s.Value)))
		summary = appendBytesField(summary, 1, v)
	}
	ev := appendEventHeader(nil, time.Now(), step)
	ev = appendBytesField(ev, 5, summary)
	return ew.record(ev)
}

// Flush writes buffered records to the file.
func (ew *EventWriter) Flush() error {
	if err := ew.w.Flush(); err != nil {
		return fmt.Errorf("train: tensorboard: %w", err)
	}
	return nil
}

// Close flushes and closes the file.
func (ew *EventWriter) Close() error {
	err := ew.Flush()
	if cerr := ew.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("train: tensorboard: %w", cerr)
	}
	return err
}

// record frames data as one TFRecord.
func (ew *EventWriter) record(data []byte) error {
	var hdr [12]byte
	binary.LittleEndian.PutUint64(hdr[:8], uint64(len(data)))
	binary.LittleEndian.PutUint32(hdr[8:], maskedCRC(hdr[:8]))
	var tail [4]byte
	binary.LittleEndian.PutUint32(tail[:], maskedCRC(data))
	for _, b := range [][]byte{hdr[:], data, tail[:]} {
		if _, err := ew.w.Write(b); err != nil {
			return fmt.Errorf("train: tensorboard: %w", err)
		}
	}
	return nil
}

// appendEventHeader appends wall_time (field 1, double) and, if nonzero,
// step (field 2, varint; proto3 omits zero values).
func appendEventHeader(b []byte, t time.Time, step int64) []byte {
	b = appendTag(b, 1, 1) // wire type 1: fixed64
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(float64(t.UnixNano())/1e9))
	if step != 0 {
		b = appendTag(b, 2, 0)
		b = binary.AppendUvarint(b, uint64(step)) // int64 is encoded as its two's-complement uint64
	}
	return b
}

func appendTag(b []byte, field, wire int) []byte {
	return binary.AppendUvarint(b, uint64(field<<3|wire))
}

// appendBytesField appends a length-delimited field (wire type 2).
func appendBytesField(b []byte, field int, data []byte) []byte {
	b = appendTag(b, field, 2)
	b = binary.AppendUvarint(b, uint64(len(data)))
	return append(b, data...)
}
