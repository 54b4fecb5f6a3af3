package genuine

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"hash"
	"sync"
)

// SerialLen is the length of a minted serial.
const SerialLen = 19

// MaxSequence is the largest sequence number a minted serial can carry (2^40-1).
const MaxSequence = 1<<40 - 1

const (
	// serialAlphabet is the Crockford base32 alphabet in canonical (upper) case.
	serialAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

	serialDomain    = "genuine/serial/v1"
	serialGTINLen   = 14
	maxSerialKeyID  = 31
	minSerialSecret = 32
	serialTagBits   = 50
	serialSeqChars  = 8

	// serialMsgLen is the length of the MAC'd message: domain, GTIN, key id, sequence.
	serialMsgLen = len(serialDomain) + serialGTINLen + 1 + 8
)

// serialInvalid marks bytes outside the alphabet in serialDecodeTab.
const serialInvalid = 0xFF

// serialDecodeTab maps a byte to its 5-bit value, accepting lower case and
// Crockford's aliases (O → 0, I and L → 1), or serialInvalid.
var serialDecodeTab = func() (t [256]byte) {
	for i := range t {
		t[i] = serialInvalid
	}
	for v := range len(serialAlphabet) {
		c := serialAlphabet[v]
		t[c] = byte(v)
		if c >= 'A' && c <= 'Z' {
			t[c+'a'-'A'] = byte(v)
		}
	}
	for _, c := range "Oo" {
		t[c] = 0
	}
	for _, c := range "IiLl" {
		t[c] = 1
	}
	return t
}()

// A Signer mints and verifies the serials of one signing key. It is safe for concurrent use.
type Signer struct {
	keyID  int
	secret []byte
	// states pools *serialMAC so that minting and verifying never allocate
	// an HMAC; a reused HMAC resets from its marshaled ipad/opad midstates.
	states sync.Pool
}

// serialMAC is one pooled HMAC with buffers for its message and sum.
type serialMAC struct {
	h   hash.Hash
	msg [serialMsgLen]byte
	sum [sha256.Size]byte
}

// NewSigner returns a Signer for the key with the given id (0..31) and secret (at least 32 bytes).
// It panics on an id out of range or a short secret (programming errors).
func NewSigner(keyID int, secret []byte) *Signer {
	if keyID < 0 || keyID > maxSerialKeyID {
		panic("genuine: signing key id out of range 0..31")
	}
	if len(secret) < minSerialSecret {
		panic("genuine: signing secret shorter than 32 bytes")
	}
	s := &Signer{keyID: keyID, secret: append([]byte(nil), secret...)}
	s.states.New = func() any {
		st := &serialMAC{h: hmac.New(sha256.New, s.secret)}
		copy(st.msg[:], serialDomain)
		st.msg[len(serialDomain)+serialGTINLen] = byte(s.keyID)
		return st
	}
	return s
}

// KeyID returns the key id.
func (s *Signer) KeyID() int { return s.keyID }

// tag returns the first 50 bits of the serial's MAC. gtin must be 14 bytes.
func (s *Signer) tag(gtin string, seq uint64) uint64 {
	st := s.states.Get().(*serialMAC)
	copy(st.msg[len(serialDomain):], gtin)
	binary.BigEndian.PutUint64(st.msg[serialMsgLen-8:], seq)
	st.h.Reset()
	st.h.Write(st.msg[:])
	sum := st.h.Sum(st.sum[:0])
	t := binary.BigEndian.Uint64(sum) >> (64 - serialTagBits)
	s.states.Put(st)
	return t
}

// serialGTINOK reports whether gtin is 14 ASCII digits; the message layout
// relies on the fixed length to stay unambiguous.
func serialGTINOK(gtin string) bool {
	if len(gtin) != serialGTINLen {
		return false
	}
	for i := range len(gtin) {
		if gtin[i] < '0' || gtin[i] > '9' {
			return false
		}
	}
	return true
}

// AppendSerial appends the serial of the unit with sequence number seq of the product gtin
// (14 digits) to dst and returns it. It does not allocate when dst has room (export streams
// millions of codes through it). It panics if seq > MaxSequence or gtin is not 14 digits.
func (s *Signer) AppendSerial(dst []byte, gtin string, seq uint64) []byte {
	if seq > MaxSequence {
		panic("genuine: sequence number exceeds MaxSequence")
	}
	if !serialGTINOK(gtin) {
		panic("genuine: GTIN is not 14 digits")
	}
	var b [SerialLen]byte
	b[0] = serialAlphabet[s.keyID]
	for i, v := serialSeqChars, seq; i >= 1; i-- {
		b[i] = serialAlphabet[v&31]
		v >>= 5
	}
	t := s.tag(gtin, seq)
	for i := SerialLen - 1; i > serialSeqChars; i-- {
		b[i] = serialAlphabet[t&31]
		t >>= 5
	}
	return append(dst, b[:]...)
}

// Serial returns the serial as a string.
func (s *Signer) Serial(gtin string, seq uint64) string {
	var buf [SerialLen]byte
	return string(s.AppendSerial(buf[:0], gtin, seq))
}

// Verify reports whether serial (already decoded by DecodeSerial, so the caller has
// picked the Signer by its key id) is authentic for gtin. It reports false when the
// key id is not this Signer's or gtin is not 14 digits.
func (s *Signer) Verify(gtin string, d DecodedSerial) bool {
	if d.KeyID != s.keyID || d.Sequence > MaxSequence || !serialGTINOK(gtin) {
		return false
	}
	var want, got [8]byte
	binary.BigEndian.PutUint64(want[:], s.tag(gtin, d.Sequence))
	binary.BigEndian.PutUint64(got[:], d.tag)
	return subtle.ConstantTimeCompare(want[:], got[:]) == 1
}

// DecodedSerial is a minted serial taken apart, not yet verified.
type DecodedSerial struct {
	KeyID     int
	Sequence  uint64
	Canonical string // the serial in canonical form (upper case, aliases resolved)
	tag       uint64 // the 50-bit tag
}

// DecodeSerial takes a minted serial apart without checking its tag. It reports ok false
// for a string that is not a well-formed minted serial (wrong length or alphabet).
// It allocates only when the input is not already canonical.
func DecodeSerial(serial string) (d DecodedSerial, ok bool) {
	if len(serial) != SerialLen {
		return DecodedSerial{}, false
	}
	var canon [SerialLen]byte
	isCanonical := true
	var seq, tag uint64
	for i := range SerialLen {
		c := serial[i]
		v := serialDecodeTab[c]
		if v == serialInvalid {
			return DecodedSerial{}, false
		}
		canon[i] = serialAlphabet[v]
		isCanonical = isCanonical && canon[i] == c
		switch {
		case i == 0:
			d.KeyID = int(v)
		case i <= serialSeqChars:
			seq = seq<<5 | uint64(v)
		default:
			tag = tag<<5 | uint64(v)
		}
	}
	d.Sequence, d.tag = seq, tag
	if isCanonical {
		d.Canonical = serial
	} else {
		d.Canonical = string(canon[:])
	}
	return d, true
}
