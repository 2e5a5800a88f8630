package train

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"testing"
)

// crc32cBitwise is the CRC-32C (Castagnoli, reflected polynomial
// 0x82F63B78) computed bit by bit, independent of hash/crc32's tables.
func crc32cBitwise(b []byte) uint32 {
	c := ^uint32(0)
	for _, x := range b {
		c ^= uint32(x)
		for range 8 {
			if c&1 != 0 {
				c = c>>1 ^ 0x82F63B78
			} else {
				c >>= 1
			}
		}
	}
	return ^c
}

func TestCRC32CKnownVector(t *testing.T) {
	if got := crc32cBitwise([]byte("123456789")); got != 0xe3069283 {
		t.Fatalf("bitwise crc32c(123456789) = %#x, want 0xe3069283", got)
	}
	c := uint32(0xe3069283)
	want := ((c >> 15) | (c << 17)) + 0xa282ead8
	if got := maskedCRC([]byte("123456789")); got != want {
		t.Fatalf("maskedCRC = %#x, want %#x", got, want)
	}
}

// decoded is what the test decoder extracts from one Event.
type decoded struct {
	wall    float64
	step    int64
	version string
	values  map[string]float32
	order   []string
}

// readVarint decodes a protobuf varint by hand.
func readVarint(b []byte) (uint64, int, error) {
	var x uint64
	for i := 0; i < len(b) && i < 10; i++ {
		x |= uint64(b[i]&0x7f) << (7 * i)
		if b[i] < 0x80 {
			return x, i + 1, nil
		}
	}
	return 0, 0, fmt.Errorf("bad varint")
}

// fields walks a protobuf message and calls f for each field with its
// number, wire type, varint/fixed value and length-delimited payload.
func fields(b []byte, f func(num, wire int, u uint64, payload []byte) error) error {
	for len(b) > 0 {
		key, n, err := readVarint(b)
		if err != nil {
			return err
		}
		b = b[n:]
		num, wire := int(key>>3), int(key&7)
		switch wire {
		case 0:
			u, n, err := readVarint(b)
			if err != nil {
				return err
			}
			b = b[n:]
			err = f(num, wire, u, nil)
			if err != nil {
				return err
			}
		case 1:
			if len(b) < 8 {
				return fmt.Errorf("short fixed64")
			}
			if err := f(num, wire, binary.LittleEndian.Uint64(b), nil); err != nil {
				return err
			}
			b = b[8:]
		case 5:
			if len(b) < 4 {
				return fmt.Errorf("short fixed32")
			}
			if err := f(num, wire, uint64(binary.LittleEndian.Uint32(b)), nil); err != nil {
				return err
			}
			b = b[4:]
		case 2:
			l, n, err := readVarint(b)
			if err != nil || uint64(len(b)-n) < l {
				return fmt.Errorf("bad length")
			}
			if err := f(num, wire, 0, b[n:n+int(l)]); err != nil {
				return err
			}
			b = b[n+int(l):]
		default:
			return fmt.Errorf("wire type %d", wire)
		}
	}
	return nil
}

func decodeEvents(t *testing.T, data []byte) []decoded {
	mask := func(c uint32) uint32 { return ((c >> 15) | (c << 17)) + 0xa282ead8 }
	var out []decoded
	for len(data) > 0 {
		if len(data) < 12 {
			t.Fatalf("truncated record header")
		}
		n := binary.LittleEndian.Uint64(data)
		if got, want := binary.LittleEndian.Uint32(data[8:]), mask(crc32cBitwise(data[:8])); got != want {
			t.Fatalf("length crc %#x, want %#x", got, want)
		}
		body := data[12 : 12+n]
		if got, want := binary.LittleEndian.Uint32(data[12+n:]), mask(crc32cBitwise(body)); got != want {
			t.Fatalf("data crc %#x, want %#x", got, want)
		}
		data = data[16+n:]
		ev := decoded{values: map[string]float32{}}
		err := fields(body, func(num, wire int, u uint64, p []byte) error {
			switch {
			case num == 1 && wire == 1:
				ev.wall = math.Float64frombits(u)
			case num == 2 && wire == 0:
				ev.step = int64(u)
			case num == 3 && wire == 2:
				ev.version = string(p)
			case num == 5 && wire == 2:
				return fields(p, func(num, wire int, _ uint64, p []byte) error {
					if num != 1 || wire != 2 {
						return fmt.Errorf("summary field %d/%d", num, wire)
					}
					var tag string
					var val float32
					err := fields(p, func(num, wire int, u uint64, p []byte) error {
						switch {
						case num == 1 && wire == 2:
							tag = string(p)
						case num == 2 && wire == 5:
							val = math.Float32frombits(uint32(u))
						default:
							return fmt.Errorf("value field %d/%d", num, wire)
						}
						return nil
					})
					ev.values[tag] = val
					ev.order = append(ev.order, tag)
					return err
				})
			default:
				return fmt.Errorf("event field %d/%d", num, wire)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ev)
	}
	return out
}

func TestEventWriterRoundTrip(t *testing.T) {
	dir := t.TempDir()
	ew, err := NewEventWriter(dir, "train")
	if err != nil {
		t.Fatal(err)
	}
	if err := ew.Write(1, Scalar{"lr", 2e-7}, Scalar{"loss/total_loss", 123.25}); err != nil {
		t.Fatal(err)
	}
	if err := ew.Write(300, Scalar{"loss/giou_loss", -1.5}); err != nil {
		t.Fatal(err)
	}
	if err := ew.Close(); err != nil {
		t.Fatal(err)
	}
	// A second writer in the same second gets its own file.
	ew2, err := NewEventWriter(dir, "train")
	if err != nil {
		t.Fatal(err)
	}
	ew2.Close()
	if ew2.Path == ew.Path {
		t.Fatalf("second writer reuses %s", ew.Path)
	}
	data, err := os.ReadFile(ew.Path)
	if err != nil {
		t.Fatal(err)
	}
	evs := decodeEvents(t, data)
	if len(evs) != 3 {
		t.Fatalf("%d events, want 3", len(evs))
	}
	if evs[0].version != "brain.Event:2" || evs[0].wall < 1e9 {
		t.Errorf("first event: version %q wall %g", evs[0].version, evs[0].wall)
	}
	if evs[1].step != 1 || evs[1].values["lr"] != float32(2e-7) || evs[1].values["loss/total_loss"] != 123.25 ||
		fmt.Sprint(evs[1].order) != "[lr loss/total_loss]" {
		t.Errorf("second event: %+v", evs[1])
	}
	if evs[2].step != 300 || evs[2].values["loss/giou_loss"] != -1.5 {
		t.Errorf("third event: %+v", evs[2])
	}
}

// TestEventBytes pins the encoding of one Value by hand: tag "lr" and
// simple_value 1.0 is 0a 02 'l' 'r' 15 00 00 80 3f.
func TestEventBytes(t *testing.T) {
	ev := appendBytesField(nil, 5, appendBytesField(nil, 1,
		append(appendBytesField(nil, 1, []byte("lr")), 0x15, 0, 0, 0x80, 0x3f)))
	want := []byte{0x2a, 11, 0x0a, 9, 0x0a, 2, 'l', 'r', 0x15, 0, 0, 0x80, 0x3f}
	if fmt.Sprint(ev) != fmt.Sprint(want) {
		t.Fatalf("got % x, want % x", ev, want)
	}
}
