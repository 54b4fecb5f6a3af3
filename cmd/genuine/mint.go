package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"genuine"
)

const mintUsage = `Usage:
  genuine mint --gtin GTIN --lot LOT --expiry YYYY-MM-DD --quantity N [--regions CN-GD,…]
               [--product-name NAME] [--out FILE] [--format csv|ndjson] [--server URL] [--key KEY]

Creates a batch of a product through the server and writes its codes — one
line per unit, its serial and its Digital Link URI — to FILE or standard
output. With --product-name, the product is created first if it is new.
Needs a brand key (--key or $GENUINE_KEY).
`

const codesUsage = `Usage:
  genuine codes BATCH_ID [--out FILE] [--format csv|ndjson] [--server URL] [--key KEY]

Writes the codes of a batch — one line per unit, its serial and its Digital
Link URI — to FILE or standard output. Needs the brand's key.
`

func (m *Main) runMint(ctx context.Context, args []string) error {
	fs := m.newFlagSet("mint", mintUsage)
	c := clientFlags(fs)
	var in genuine.BatchInput
	var expiry, regions, productName, out, format string
	fs.StringVar(&in.GTIN, "gtin", "", "GTIN of the product")
	fs.StringVar(&in.Lot, "lot", "", "lot (batch) number, GS1 AI (10)")
	fs.StringVar(&expiry, "expiry", "", "expiry date, YYYY-MM-DD")
	fs.Int64Var(&in.Quantity, "quantity", 0, "number of units")
	fs.StringVar(&regions, "regions", "", "comma-separated regions the batch may be sold in, such as CN-GD")
	fs.StringVar(&productName, "product-name", "", "create the product with this name if it is new")
	fs.StringVar(&out, "out", "", "file to write the codes to (default standard output)")
	fs.StringVar(&format, "format", "csv", "csv or ndjson")
	asJSON := fs.Bool("json", false, "print the batch as JSON")
	args, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(args) > 0 {
		return usagef("mint takes flags only")
	}
	if in.GTIN == "" || in.Lot == "" || expiry == "" || in.Quantity == 0 {
		return usagef("mint needs --gtin, --lot, --expiry and --quantity")
	}
	if in.Expiry, err = genuine.ParseDate(expiry); err != nil {
		return usagef("%v", err)
	}
	if regions != "" {
		in.Regions = strings.Split(regions, ",")
	}
	if productName != "" {
		err := c.do(ctx, "POST", "/v1/products", map[string]string{"gtin": in.GTIN, "name": productName}, nil)
		if e, ok := err.(*apiError); err != nil && !(ok && e.code == genuine.EConflict) {
			return err
		}
	}
	var b genuine.Batch
	if err := c.do(ctx, "POST", "/v1/batches", in, &b); err != nil {
		return err
	}
	if *asJSON {
		json.NewEncoder(m.Stderr).Encode(b)
	} else {
		fmt.Fprintf(m.Stderr, "Batch %s: %d units of %s, lot %s, expiry %s.\n", b.ID, b.Quantity, b.GTIN, b.Lot, b.Expiry)
	}
	return m.writeCodes(ctx, c, b.ID, b.Quantity, out, format)
}

func (m *Main) runCodes(ctx context.Context, args []string) error {
	fs := m.newFlagSet("codes", codesUsage)
	c := clientFlags(fs)
	out := fs.String("out", "", "file to write the codes to (default standard output)")
	format := fs.String("format", "csv", "csv or ndjson")
	args, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(args) != 1 {
		return usagef("codes needs one BATCH_ID")
	}
	var b genuine.Batch
	if err := c.do(ctx, "GET", "/v1/batches/"+url.PathEscape(args[0]), nil, &b); err != nil {
		return err
	}
	return m.writeCodes(ctx, c, b.ID, b.Quantity, *out, *format)
}

// writeCodes streams a batch's codes to a file or stdout, with a progress
// bar when standard error is a terminal.
func (m *Main) writeCodes(ctx context.Context, c *client, batchID string, total int64, out, format string) error {
	if format != "csv" && format != "ndjson" {
		return usagef("--format must be csv or ndjson")
	}
	resp, err := c.request(ctx, "GET", "/v1/batches/"+url.PathEscape(batchID)+"/codes?format="+format, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var w io.Writer = m.Stdout
	var f *os.File
	if out != "" {
		if f, err = os.Create(out); err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	var bar *progressbar.ProgressBar
	if isTerminal(m.Stderr) {
		bar = progressbar.NewOptions64(total, progressbar.OptionSetWriter(m.Stderr),
			progressbar.OptionSetDescription("codes"), progressbar.OptionShowCount(),
			progressbar.OptionThrottle(100_000_000), progressbar.OptionClearOnFinish())
	}
	lines, err := copyLines(bw, resp.Body, func(n int64) {
		if bar != nil {
			bar.Set64(n)
		}
	})
	if bar != nil {
		bar.Finish()
	}
	if err != nil {
		return fmt.Errorf("export interrupted after %d lines: %w", lines, err)
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if f != nil {
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Fprintf(m.Stderr, "Wrote %s (%s).\n", out, describeLines(lines, format))
	}
	return nil
}

// copyLines copies r to w, reporting the number of lines so far every 64 KiB.
func copyLines(w io.Writer, r io.Reader, progress func(int64)) (int64, error) {
	buf := make([]byte, 1<<16)
	var lines int64
	for {
		n, err := r.Read(buf)
		if n > 0 {
			for _, c := range buf[:n] {
				if c == '\n' {
					lines++
				}
			}
			if _, werr := w.Write(buf[:n]); werr != nil {
				return lines, werr
			}
			progress(lines)
		}
		if err == io.EOF {
			return lines, nil
		}
		if err != nil {
			return lines, err
		}
	}
}

func describeLines(lines int64, format string) string {
	if format == "csv" {
		return fmt.Sprintf("%d codes and a header line", max(lines-1, 0))
	}
	return fmt.Sprintf("%d codes", lines)
}

// isTerminal reports whether w is a terminal, where progress is shown.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
