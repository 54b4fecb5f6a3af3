package genuine

import "testing"

// The whole unit lifecycle, spelled out: for each state, what each event
// leads to ("" = refused, with the code in refusedCode).
func TestUnitTransitionsExhaustive(t *testing.T) {
	states := []UnitState{StateCommissioned, StateInChannel, StateReserved, StateSold, StateConsumed,
		StateStolen, StateDestroyed, StateLocked, StateReturned, StateRecalled, StateWithdrawn}
	events := []EventType{EventRelease, EventStolen, EventDestroy, EventConsume, EventLock, EventUnlock,
		EventReturn, EventRestock, EventReserve, EventUnreserve, EventSell, EventRefund}
	// allowed[state][event] = resulting state.
	allowed := map[UnitState]map[EventType]UnitState{
		StateCommissioned: {EventRelease: StateInChannel, EventStolen: StateStolen, EventDestroy: StateDestroyed, EventLock: StateLocked},
		StateInChannel:    {EventStolen: StateStolen, EventDestroy: StateDestroyed, EventLock: StateLocked, EventReserve: StateReserved},
		StateReserved:     {EventUnreserve: StateInChannel, EventSell: StateSold},
		StateSold:         {EventDestroy: StateDestroyed, EventConsume: StateConsumed, EventLock: StateLocked, EventRefund: StateInChannel},
		StateConsumed:     {EventDestroy: StateDestroyed},
		StateStolen:       {EventDestroy: StateDestroyed},
		StateDestroyed:    {},
		StateLocked:       {EventStolen: StateStolen, EventDestroy: StateDestroyed, EventUnlock: StateSold},
		StateReturned:     {EventStolen: StateStolen, EventDestroy: StateDestroyed, EventLock: StateLocked},
		StateRecalled:     {},
		StateWithdrawn:    {},
	}
	// refusedCode gives the code of a refusal where it is not the state's own.
	refusedCode := func(s UnitState, e EventType) string {
		switch {
		case e == EventReturn || e == EventRestock:
			return ERefundOnly // whatever the state: only a refund undoes a sale
		case s == StateRecalled || s == StateWithdrawn || s == StateDestroyed || s == StateStolen:
			return StateCode(s)
		case e == EventConsume || e == EventRefund:
			return ENotSold
		case e == EventUnlock:
			return ENotLocked
		case e == EventRelease:
			return EAlreadyReleased
		}
		return StateCode(s)
	}
	for _, s := range states {
		for _, e := range events {
			got, err := UnitTransition(e, s, StateSold) // a locked unit was locked from sold
			want, ok := allowed[s][e]
			switch {
			case ok && (err != nil || got != want):
				t.Errorf("%s --%s--> %q, %v; want %s", s, e, got, err, want)
			case !ok && err == nil:
				t.Errorf("%s --%s--> %s; want refused", s, e, got)
			case !ok && ErrorCode(err) != refusedCode(s, e):
				t.Errorf("%s --%s--> refused with %q; want %q", s, e, ErrorCode(err), refusedCode(s, e))
			}
		}
	}
	if _, err := UnitTransition(EventShip, StateInChannel, ""); ErrorCode(err) != EInvalid {
		t.Errorf("ship is not a unit transition: %v", err)
	}
	// Every state has a code, and every code is listed.
	for _, s := range states {
		code := StateCode(s)
		found := false
		for _, c := range TransitionCodes {
			found = found || c == code
		}
		if code == "" || !found {
			t.Errorf("state %s: code %q missing from TransitionCodes", s, code)
		}
	}
}

func TestBatchTransitions(t *testing.T) {
	tests := []struct {
		e    EventType
		from Disposition
		to   Disposition
		code string
	}{
		{EventRelease, Commissioned, Released, ""},
		{EventRelease, Released, "", EAlreadyReleased},
		{EventRelease, Recalled, "", ERecalled},
		{EventRecall, Commissioned, Recalled, ""},
		{EventRecall, Released, Recalled, ""},
		{EventRecall, Recalled, "", ERecalled},
		{EventRecall, Destroyed, "", EDestroyed},
		{EventWithdraw, Released, Withdrawn, ""},
		{EventWithdraw, Withdrawn, "", EWithdrawn},
		{EventDestroy, Released, Destroyed, ""},
		{EventDestroy, Recalled, "", ERecalled},
		{EventShip, Released, Released, ""},
		{EventReceive, Recalled, Recalled, ""},
		{EventLock, Released, "", EInvalid},
		{EventSell, Released, "", EInvalid},
	}
	for _, tt := range tests {
		got, err := BatchTransition(tt.e, tt.from)
		if tt.code != "" {
			if ErrorCode(err) != tt.code {
				t.Errorf("%s --%s-->: err %v, want code %s", tt.from, tt.e, err, tt.code)
			}
			continue
		}
		if err != nil || got != tt.to {
			t.Errorf("%s --%s--> %s, %v; want %s", tt.from, tt.e, got, err, tt.to)
		}
	}
}

func TestEffectiveState(t *testing.T) {
	tests := []struct {
		d    Disposition
		own  UnitState
		want UnitState
	}{
		{Commissioned, "", StateCommissioned},
		{Released, "", StateInChannel},
		{Released, StateSold, StateSold},
		{Commissioned, StateInChannel, StateInChannel}, // released alone, by a range event
		{Recalled, StateSold, StateRecalled},           // terminal for every unit
		{Withdrawn, "", StateWithdrawn},
		{Destroyed, StateInChannel, StateDestroyed},
	}
	for _, tt := range tests {
		if got := EffectiveState(tt.d, tt.own); got != tt.want {
			t.Errorf("EffectiveState(%s, %q) = %s, want %s", tt.d, tt.own, got, tt.want)
		}
	}
}

func TestParseEventType(t *testing.T) {
	for in, want := range map[string]EventType{"destroyed": EventDestroy, "consumed": EventConsume, "lock": EventLock, "ship": EventShip, "recall": EventRecall} {
		if got, ok := ParseEventType(in); !ok || got != want {
			t.Errorf("ParseEventType(%q) = %s, %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "explode", "Release"} {
		if _, ok := ParseEventType(in); ok {
			t.Errorf("ParseEventType(%q) accepted", in)
		}
	}
}

func TestRegions(t *testing.T) {
	for _, r := range []string{"CN", "CN-GD", "CN-GD-SZ", "US-CA", "DE-BY-M1"} {
		if err := ValidRegion(r); err != nil {
			t.Errorf("ValidRegion(%q): %v", r, err)
		}
	}
	for _, r := range []string{"", "cn", "XX", "CN-", "CN--GD", "CN-gd", "CN-GD-TOOLONGLEVEL", "CHN", "CN GD"} {
		if err := ValidRegion(r); err == nil {
			t.Errorf("ValidRegion(%q) accepted", r)
		}
	}
	for _, tt := range []struct {
		region, area string
		in           bool
	}{
		{"CN-GD-SZ", "CN-GD", true}, {"CN-GD-SZ", "CN", true}, {"CN-GD", "CN-GD", true},
		{"CN-GD-SZ", "CN-G", false}, {"CN-BJ", "CN-GD", false}, {"CN", "CN-GD", false},
	} {
		if got := RegionWithin(tt.region, tt.area); got != tt.in {
			t.Errorf("RegionWithin(%s, %s) = %v", tt.region, tt.area, got)
		}
	}
}
