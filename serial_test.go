package genuine

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"strings"
	"sync"
	"testing"
)

const (
	serialTestGTIN     = "09506000134352"
	serialTestAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
)

// serialTestSecret returns a deterministic 32-byte secret that differs per salt.
func serialTestSecret(salt byte) []byte {
	s := make([]byte, 32)
	for i := range s {
		s[i] = byte(i*7) ^ salt
	}
	return s
}

// serialTestSigners returns one Signer per key id 0..31, all with distinct secrets.
func serialTestSigners() []*Signer {
	signers := make([]*Signer, 32)
	for id := range signers {
		signers[id] = NewSigner(id, serialTestSecret(byte(id)))
	}
	return signers
}

// serialTestEncode is the test's own encoder: the low 5*n bits of v as n
// characters, most significant first.
func serialTestEncode(v uint64, n int) string {
	b := make([]byte, n)
	for i := n - 1; i >= 0; i-- {
		b[i] = serialTestAlphabet[v%32]
		v /= 32
	}
	return string(b)
}

func serialTestCanonical(s string) bool {
	for _, c := range s {
		if !strings.ContainsRune(serialTestAlphabet, c) {
			return false
		}
	}
	return len(s) == SerialLen
}

func TestSerialRoundTrip(t *testing.T) {
	gtins := []string{serialTestGTIN, "00000000000000", "99999999999999", "04006381333931"}
	seqs := []uint64{0, 1, 31, 32, 1 << 20, 123456789, 1<<39 + 5, MaxSequence - 1, MaxSequence}
	for _, s := range serialTestSigners() {
		for _, gtin := range gtins {
			for _, seq := range seqs {
				serial := s.Serial(gtin, seq)
				if !serialTestCanonical(serial) {
					t.Fatalf("Serial(%s, %d) = %q: not 19 canonical characters", gtin, seq, serial)
				}
				d, ok := DecodeSerial(serial)
				if !ok {
					t.Fatalf("DecodeSerial(%q) not ok", serial)
				}
				if d.KeyID != s.KeyID() || d.Sequence != seq || d.Canonical != serial {
					t.Fatalf("DecodeSerial(%q) = %+v, want key %d seq %d", serial, d, s.KeyID(), seq)
				}
				if !s.Verify(gtin, d) {
					t.Fatalf("Verify(%s, %q) = false", gtin, serial)
				}
				if got := string(s.AppendSerial([]byte("x"), gtin, seq)); got != "x"+serial {
					t.Fatalf("AppendSerial = %q, want %q", got, "x"+serial)
				}
			}
		}
	}
}

func TestSerialKnownAnswer(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	const keyID, seq = 5, 1234567890
	msg := []byte("genuine/serial/v1")
	msg = append(msg, serialTestGTIN...)
	msg = append(msg, keyID)
	msg = binary.BigEndian.AppendUint64(msg, seq)
	mac := hmac.New(sha256.New, secret)
	mac.Write(msg)
	sum := mac.Sum(nil)
	tag := binary.BigEndian.Uint64(sum[:8]) >> 14
	want := serialTestEncode(keyID, 1) + serialTestEncode(seq, 8) + serialTestEncode(tag, 10)
	const pinned = "5014SC0PJAZGC67B9FG" // guards against the test drifting with the code
	if want != pinned {
		t.Fatalf("independent known answer %q, pinned %q", want, pinned)
	}
	if got := NewSigner(keyID, secret).Serial(serialTestGTIN, seq); got != want {
		t.Fatalf("Serial = %q, want %q", got, want)
	}
}

func TestSerialSubstitutionsRejected(t *testing.T) {
	signers := serialTestSigners()
	s := signers[7]
	serial := s.Serial(serialTestGTIN, 987654321)
	for i := range SerialLen {
		for _, c := range []byte(serialTestAlphabet) {
			if c == serial[i] {
				continue
			}
			forged := serial[:i] + string(c) + serial[i+1:]
			d, ok := DecodeSerial(forged)
			if !ok {
				t.Fatalf("DecodeSerial(%q) not ok", forged)
			}
			// Try the signer a verifier would pick by the forged key id too.
			if s.Verify(serialTestGTIN, d) || signers[d.KeyID].Verify(serialTestGTIN, d) {
				t.Fatalf("forged serial %q (position %d) verified", forged, i)
			}
		}
	}
}

func TestSerialWrongContextRejected(t *testing.T) {
	secret := serialTestSecret(1)
	s := NewSigner(3, secret)
	serial := s.Serial(serialTestGTIN, 42)
	d, _ := DecodeSerial(serial)
	if s.Verify("09506000134369", d) {
		t.Error("verified with another GTIN")
	}
	if s.Verify("0950600013435", d) || s.Verify("0950600013435X", d) {
		t.Error("verified with a malformed GTIN")
	}
	if NewSigner(3, serialTestSecret(2)).Verify(serialTestGTIN, d) {
		t.Error("verified with another key's secret")
	}
	swapped, _ := DecodeSerial("4" + serial[1:])
	if s.Verify(serialTestGTIN, swapped) {
		t.Error("verified a swapped key id with the original signer")
	}
	if NewSigner(4, secret).Verify(serialTestGTIN, swapped) {
		t.Error("verified a swapped key id with the same secret under the new id")
	}
	if NewSigner(4, secret).Verify(serialTestGTIN, d) {
		t.Error("verified with a signer of another key id")
	}
	tooBig := d
	tooBig.Sequence = MaxSequence + 1
	if s.Verify(serialTestGTIN, tooBig) {
		t.Error("verified a sequence beyond MaxSequence")
	}
}

func TestDecodeSerialMalformed(t *testing.T) {
	valid := NewSigner(0, serialTestSecret(0)).Serial(serialTestGTIN, 1)
	bad := []string{
		"", valid[:18], valid + "0", valid[:10] + "U" + valid[11:], valid[:10] + "u" + valid[11:],
		valid[:10] + "-" + valid[11:], valid[:10] + " " + valid[11:], valid[:10] + "\x00" + valid[11:],
		valid[:10] + "\xc3" + valid[11:], valid[:17] + "é", valid[:18] + "*",
	}
	for _, s := range bad {
		if d, ok := DecodeSerial(s); ok {
			t.Errorf("DecodeSerial(%q) = %+v, ok", s, d)
		}
	}
}

func TestDecodeSerialCaseAndAliases(t *testing.T) {
	s := NewSigner(0, serialTestSecret(0))
	var serial string
	// Find a sequence whose serial has 0s and 1s to alias.
	for seq := uint64(0); ; seq++ {
		serial = s.Serial(serialTestGTIN, seq+1<<35)
		if strings.Contains(serial[9:], "0") && strings.Contains(serial[9:], "1") {
			break
		}
	}
	variants := []string{
		strings.ToLower(serial),
		strings.ReplaceAll(serial, "0", "O"),
		strings.ReplaceAll(serial, "0", "o"),
		strings.ReplaceAll(serial, "1", "I"),
		strings.ReplaceAll(serial, "1", "i"),
		strings.ReplaceAll(serial, "1", "L"),
		strings.ReplaceAll(strings.ToLower(serial), "1", "l"),
	}
	want, _ := DecodeSerial(serial)
	for _, v := range variants {
		d, ok := DecodeSerial(v)
		if !ok || d != want {
			t.Errorf("DecodeSerial(%q) = %+v, %v; want %+v", v, d, ok, want)
		}
		if !s.Verify(serialTestGTIN, d) {
			t.Errorf("Verify(%q) = false", v)
		}
	}
}

func TestSerialPanicsAndSecretCopy(t *testing.T) {
	mustPanic := func(name string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s did not panic", name)
			}
		}()
		f()
	}
	mustPanic("key id -1", func() { NewSigner(-1, serialTestSecret(0)) })
	mustPanic("key id 32", func() { NewSigner(32, serialTestSecret(0)) })
	mustPanic("short secret", func() { NewSigner(0, make([]byte, 31)) })
	s := NewSigner(0, serialTestSecret(0))
	mustPanic("seq too big", func() { s.Serial(serialTestGTIN, MaxSequence+1) })
	mustPanic("bad gtin", func() { s.Serial("123", 1) })

	secret := serialTestSecret(9)
	s = NewSigner(1, secret)
	want := s.Serial(serialTestGTIN, 7)
	secret[0] ^= 1 // the Signer must keep its own copy
	if s.Serial(serialTestGTIN, 7) != want {
		t.Error("Signer depends on the caller's secret slice after NewSigner")
	}
}

func TestSerialAllocations(t *testing.T) {
	// The race detector makes sync.Pool drop items at random; skip then.
	var probe sync.Pool
	for range 100 {
		x := new([64]byte)
		probe.Put(x)
		if probe.Get() != x {
			t.Skip("sync.Pool does not retain items in this build")
		}
	}
	s := NewSigner(2, serialTestSecret(2))
	serial := s.Serial(serialTestGTIN, 99)
	buf := make([]byte, 0, SerialLen)
	s.AppendSerial(buf, serialTestGTIN, 99) // warm the pool
	if n := testing.AllocsPerRun(100, func() { s.AppendSerial(buf, serialTestGTIN, 99) }); n != 0 {
		t.Errorf("AppendSerial allocates %v times", n)
	}
	if n := testing.AllocsPerRun(100, func() {
		d, _ := DecodeSerial(serial)
		s.Verify(serialTestGTIN, d)
	}); n != 0 {
		t.Errorf("DecodeSerial+Verify allocates %v times", n)
	}
}

func TestSerialConcurrent(t *testing.T) {
	s := NewSigner(11, serialTestSecret(11))
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			buf := make([]byte, 0, SerialLen)
			for i := range 500 {
				seq := uint64(g*1000 + i)
				buf = s.AppendSerial(buf[:0], serialTestGTIN, seq)
				d, ok := DecodeSerial(string(buf))
				if !ok || d.Sequence != seq || !s.Verify(serialTestGTIN, d) ||
					s.Serial(serialTestGTIN, seq) != string(buf) {
					t.Errorf("goroutine %d seq %d: %q did not round-trip", g, seq, buf)
					return
				}
			}
		})
	}
	wg.Wait()
}

func FuzzDecodeSerial(f *testing.F) {
	signers := serialTestSigners()
	for _, seq := range []uint64{0, 1, 77, MaxSequence} {
		serial := signers[seq%32].Serial(serialTestGTIN, seq)
		f.Add(serial)
		f.Add(strings.ToLower(serial))
	}
	f.Add("")
	f.Add("0000000000000000000")
	f.Add("oOiIlL0000000000000")
	f.Add("U000000000000000000")
	f.Fuzz(func(t *testing.T, serial string) {
		d, ok := DecodeSerial(serial)
		if !ok {
			return
		}
		if !serialTestCanonical(d.Canonical) {
			t.Fatalf("Canonical %q is not canonical", d.Canonical)
		}
		again, ok := DecodeSerial(d.Canonical)
		if !ok || again != d {
			t.Fatalf("DecodeSerial(%q) = %+v, %v; want %+v", d.Canonical, again, ok, d)
		}
		if d.Sequence > MaxSequence || d.KeyID < 0 || d.KeyID > 31 {
			t.Fatalf("DecodeSerial(%q) out of range: %+v", serial, d)
		}
		s := signers[d.KeyID]
		minted := s.Serial(serialTestGTIN, d.Sequence) == d.Canonical
		if verified := s.Verify(serialTestGTIN, d); verified != minted {
			t.Fatalf("%q: Verify = %v but re-minting matches = %v", serial, verified, minted)
		}
	})
}

func BenchmarkVerifySerial(b *testing.B) {
	s := NewSigner(3, serialTestSecret(3))
	serial := s.Serial(serialTestGTIN, 123456)
	b.ReportAllocs()
	for b.Loop() {
		d, ok := DecodeSerial(serial)
		if !ok || !s.Verify(serialTestGTIN, d) {
			b.Fatal("did not verify")
		}
	}
}

func BenchmarkAppendSerial(b *testing.B) {
	s := NewSigner(3, serialTestSecret(3))
	buf := make([]byte, 0, SerialLen)
	b.ReportAllocs()
	var seq uint64
	for b.Loop() {
		buf = s.AppendSerial(buf[:0], serialTestGTIN, seq)
		seq++
	}
}
