package browsertest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/skip2/go-qrcode"
)

// The fake camera's picture: Chromium's default getUserMedia size.
const (
	videoWidth  = 640
	videoHeight = 480
	videoFrames = 3   // identical; Chromium loops the file
	qrSide      = 420 // the most pixels the code, quiet zone included, may span
	minModule   = 4   // the fewest pixels per module that still reads well
)

// QRVideo writes a Y4M video, 640×480 at 30 fps in C420jpeg, that shows the
// QR code of content black on white in the middle, each module at least 4
// pixels wide, and returns its path in t.TempDir(). It is the camera of
// WithFakeCamera. Content too long for such a code fails the test.
func QRVideo(t testing.TB, content string) string {
	t.Helper()
	q, err := qrcode.New(content, qrcode.Medium)
	if err != nil {
		t.Fatalf("browsertest: QR code of %q: %v", content, err)
	}
	bits := q.Bitmap() // with its quiet zone
	module := qrSide / len(bits)
	if module < minModule {
		t.Fatalf("browsertest: QR code of %q has %d modules a side, too many for a %dx%d camera", content, len(bits), videoWidth, videoHeight)
	}
	path := filepath.Join(t.TempDir(), "qr.y4m")
	if err := os.WriteFile(path, y4m(luma(bits, module)), 0o644); err != nil {
		t.Fatalf("browsertest: %v", err)
	}
	return path
}

// luma returns the Y plane of a frame: white, with bits drawn black in the
// middle at module pixels a module.
func luma(bits [][]bool, module int) []byte {
	y := bytes.Repeat([]byte{255}, videoWidth*videoHeight)
	side := len(bits) * module
	x0, y0 := (videoWidth-side)/2, (videoHeight-side)/2
	for row := range side {
		for col := range side {
			if bits[row/module][col/module] {
				y[(y0+row)*videoWidth+x0+col] = 0
			}
		}
	}
	return y
}

// y4m returns a YUV4MPEG2 file of videoFrames frames whose Y plane is y and
// whose chroma is neutral grey, so the picture has no colour.
func y4m(y []byte) []byte {
	chroma := bytes.Repeat([]byte{128}, (videoWidth/2)*(videoHeight/2))
	var w bytes.Buffer
	fmt.Fprintf(&w, "YUV4MPEG2 W%d H%d F30:1 Ip A1:1 C420jpeg\n", videoWidth, videoHeight)
	for range videoFrames {
		w.WriteString("FRAME\n")
		w.Write(y)
		w.Write(chroma) // U
		w.Write(chroma) // V
	}
	return w.Bytes()
}
