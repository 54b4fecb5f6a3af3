package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"genuine"
)

const eventsUsage = `Usage:
  genuine events batch BATCH_ID TYPE [--regions CN-GD,…] [--from N --to M] [--merchant ID] [--location L] [--note T]
  genuine events units TYPE CODE… [--merchant ID] [--location L] [--note T]
  genuine events list BATCH_ID

Records supply-chain events through the server, or lists a batch's.
Batch TYPEs: release, ship, receive, recall, withdraw, destroy; with --from
and --to (sequence numbers) also lock, unlock, stolen for a range of units.
Unit TYPEs: stolen, destroyed, consumed, lock, unlock, ship, receive, …
With ship or receive, --merchant names the merchant the units are shipped
to or now held by. A merchant records events only for the units it holds
(received or sold); its stolen or destroyed of another unit is reported to
the unit's brand as an alert and changes nothing.
Needs a brand, partner or merchant key (--key or $GENUINE_KEY).
`

func (m *Main) runEvents(ctx context.Context, args []string) error {
	fs := m.newFlagSet("events", eventsUsage)
	c := clientFlags(fs)
	var regions string
	var in genuine.BatchEventInput
	var from, to int64 = -1, -1
	fs.StringVar(&regions, "regions", "", "comma-separated regions (release)")
	fs.Int64Var(&from, "from", -1, "first sequence number of a range")
	fs.Int64Var(&to, "to", -1, "last sequence number of a range")
	fs.StringVar(&in.Location, "location", "", "where it happened")
	fs.StringVar(&in.Note, "note", "", "a note")
	fs.StringVar(&in.MerchantID, "merchant", "", "the merchant units are shipped to or received by (ship, receive)")
	asJSON := fs.Bool("json", false, "print JSON")
	args, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		return usagef("events needs batch, units or list")
	}
	var out any
	switch args[0] {
	case "batch":
		if len(args) != 3 {
			return usagef("events batch needs BATCH_ID and TYPE")
		}
		in.Type = args[2]
		if regions != "" {
			in.Regions = strings.Split(regions, ",")
		}
		if from >= 0 || to >= 0 {
			in.From, in.To = &from, &to
		}
		var e genuine.Event
		if err := c.do(ctx, "POST", "/v1/batches/"+url.PathEscape(args[1])+"/events", in, &e); err != nil {
			return err
		}
		out = e
		if !*asJSON {
			fmt.Fprintf(m.Stdout, "Recorded %s of batch %s.\n", e.Type, e.BatchID)
		}
	case "units":
		if len(args) < 3 {
			return usagef("events units needs TYPE and at least one CODE")
		}
		var res genuine.UnitEvents
		body := genuine.UnitEventInput{Type: args[1], Codes: args[2:], Location: in.Location, Note: in.Note, MerchantID: in.MerchantID}
		if err := c.do(ctx, "POST", "/v1/units/events", body, &res); err != nil {
			return err
		}
		out = res
		if !*asJSON {
			fmt.Fprintf(m.Stdout, "Recorded %s of %d units.\n", body.Type, len(res.Events))
			if len(res.Reports) > 0 {
				fmt.Fprintf(m.Stdout, "Reported %d units this merchant does not hold to their brands; they are unchanged.\n", len(res.Reports))
			}
		}
	case "list":
		if len(args) != 2 {
			return usagef("events list needs BATCH_ID")
		}
		var res struct {
			Events []genuine.Event `json:"events"`
		}
		if err := c.do(ctx, "GET", "/v1/batches/"+url.PathEscape(args[1])+"/events", nil, &res); err != nil {
			return err
		}
		out = res
		if !*asJSON {
			for _, e := range res.Events {
				fmt.Fprintf(m.Stdout, "%s  %-10s %s\n", e.CreatedAt.Format("2006-01-02 15:04:05"), e.Type, describeEvent(e))
			}
		}
	default:
		return usagef("events: unknown subcommand %q", args[0])
	}
	if *asJSON {
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	return nil
}

func describeEvent(e genuine.Event) string {
	var parts []string
	switch {
	case e.Serial != "":
		parts = append(parts, "unit "+e.Serial)
	case e.FromSeq != nil:
		parts = append(parts, fmt.Sprintf("units %d–%d", *e.FromSeq, *e.ToSeq))
	}
	if len(e.Regions) > 0 {
		parts = append(parts, "regions "+strings.Join(e.Regions, ","))
	}
	if e.MerchantID != "" {
		parts = append(parts, "merchant "+e.MerchantID)
	}
	if e.Location != "" {
		parts = append(parts, "at "+e.Location)
	}
	if e.Org != "" {
		parts = append(parts, fmt.Sprintf("by %s %s", e.Role, e.Org))
	}
	return strings.Join(parts, ", ")
}
