package genuine

// Disposition is the state of a batch as a whole.
type Disposition string

// Batch dispositions. Recalled, withdrawn and destroyed are terminal for every
// unit of the batch; expiry is derived from the batch's expiry date instead.
const (
	Commissioned Disposition = "commissioned" // codes applied, still with the brand
	Released     Disposition = "released"     // shipped or sold into the brand's channel
	Recalled     Disposition = "recalled"
	Withdrawn    Disposition = "withdrawn"
	Destroyed    Disposition = "destroyed"
)

// Terminal reports whether d ends the life of every unit of the batch.
func (d Disposition) Terminal() bool {
	return d == Recalled || d == Withdrawn || d == Destroyed
}

// UnitState is the effective state of one unit: its own, where something
// happened to it alone, or else its batch's.
type UnitState string

// Unit states.
const (
	StateCommissioned UnitState = "commissioned" // not yet released by the brand
	StateInChannel    UnitState = "in_channel"   // for sale
	StateReserved     UnitState = "reserved"     // held by one checkout until paid or released
	StateSold         UnitState = "sold"
	StateConsumed     UnitState = "consumed" // opened or used by a consumer
	StateStolen       UnitState = "stolen"
	StateDestroyed    UnitState = "destroyed"
	StateLocked       UnitState = "locked" // under investigation
	StateReturned     UnitState = "returned"
	StateRecalled     UnitState = "recalled"  // its batch was recalled
	StateWithdrawn    UnitState = "withdrawn" // its batch was withdrawn
)

// EventType names what happened to a batch, a range of its units, or units.
type EventType string

// Event types. Each that changes state is one row of the transition tables
// below; ship and receive record custody and change no state.
const (
	// EventCommission records a batch's creation: its codes exist.
	EventCommission EventType = "commission"
	EventRelease    EventType = "release"
	EventShip       EventType = "ship"
	EventReceive    EventType = "receive"
	EventRecall     EventType = "recall"
	EventWithdraw   EventType = "withdraw"
	EventDestroy    EventType = "destroy"
	EventStolen     EventType = "stolen"
	EventConsume    EventType = "consume"
	EventLock       EventType = "lock"
	EventUnlock     EventType = "unlock"
	EventReturn     EventType = "return"
	EventRestock    EventType = "restock"
	// The checkout's own transitions.
	EventReserve   EventType = "reserve"
	EventUnreserve EventType = "unreserve"
	EventSell      EventType = "sell"
	EventRefund    EventType = "refund"
)

// eventAliases accepts the past-tense names the API also documents.
var eventAliases = map[string]EventType{
	"destroyed": EventDestroy, "consumed": EventConsume, "recalled": EventRecall,
	"withdrawn": EventWithdraw, "released": EventRelease, "returned": EventReturn,
	"locked": EventLock, "unlocked": EventUnlock, "shipped": EventShip, "received": EventReceive,
}

// ParseEventType returns the event type named s, accepting past-tense
// aliases. It knows return and restock, which UnitTransition refuses with
// ERefundOnly.
func ParseEventType(s string) (EventType, bool) {
	if t, ok := eventAliases[s]; ok {
		return t, true
	}
	t := EventType(s)
	_, batch := batchTransitions[t]
	_, unit := unitTransitions[t]
	return t, batch || unit || t == EventShip || t == EventReceive || t == EventReturn || t == EventRestock
}

// batchTransitions is the lifecycle of a batch: for each event, the
// dispositions it may leave and the one it leads to.
var batchTransitions = map[EventType]struct {
	from []Disposition
	to   Disposition
}{
	EventRelease:  {[]Disposition{Commissioned}, Released},
	EventRecall:   {[]Disposition{Commissioned, Released}, Recalled},
	EventWithdraw: {[]Disposition{Commissioned, Released}, Withdrawn},
	EventDestroy:  {[]Disposition{Commissioned, Released}, Destroyed},
}

// unitTransitions is the lifecycle of a unit: for each event, the states
// it may leave and the one it leads to. EventUnlock leads back to the state
// the unit was locked from. A sold unit goes back to the channel only
// through EventRefund, which only the refund of its checkout causes (§4):
// EventReturn and EventRestock have no row, and are refused with
// ERefundOnly.
var unitTransitions = map[EventType]struct {
	from []UnitState
	to   UnitState
}{
	EventRelease:   {[]UnitState{StateCommissioned}, StateInChannel},
	EventStolen:    {[]UnitState{StateCommissioned, StateInChannel, StateLocked, StateReturned}, StateStolen},
	EventDestroy:   {[]UnitState{StateCommissioned, StateInChannel, StateLocked, StateReturned, StateStolen, StateSold, StateConsumed}, StateDestroyed},
	EventConsume:   {[]UnitState{StateSold}, StateConsumed},
	EventLock:      {[]UnitState{StateCommissioned, StateInChannel, StateSold, StateReturned}, StateLocked},
	EventUnlock:    {[]UnitState{StateLocked}, ""},
	EventReserve:   {[]UnitState{StateInChannel}, StateReserved},
	EventUnreserve: {[]UnitState{StateReserved}, StateInChannel},
	EventSell:      {[]UnitState{StateReserved}, StateSold},
	EventRefund:    {[]UnitState{StateSold}, StateInChannel},
}

// Codes of refused transitions. Most name the state that forbids the event;
// they are also the reasons a policy's state rule gives.
const (
	ENotReleased      = "not_released"
	EAlreadyReleased  = "already_released"
	EInCheckout       = "in_checkout"
	EAlreadySold      = "already_sold"
	EAlreadyUsed      = "already_used"
	EStolen           = "stolen"
	ELocked           = "locked"
	EDestroyed        = "destroyed"
	ERecalled         = "recalled"
	EWithdrawn        = "withdrawn"
	ENotSold          = "not_sold"
	ENotLocked        = "not_locked"
	EAlreadyInChannel = "in_channel"
	EReturned         = "returned"
	// ERefundOnly refuses return and restock: a sale is undone only by a
	// refund of its checkout, by the merchant that sold it.
	ERefundOnly = "refund_only"
	// ENotInCustody refuses an event of a merchant about a unit it does
	// not hold: one it neither received nor sold (custody.go).
	ENotInCustody = "not_in_custody"
	// ENotShipped refuses a merchant's receive of a unit that was not
	// shipped to it.
	ENotShipped = "not_shipped"
)

// TransitionCodes lists every code a refused transition can carry.
var TransitionCodes = []string{
	ENotReleased, EAlreadyReleased, EInCheckout, EAlreadySold, EAlreadyUsed, EStolen, ELocked,
	EDestroyed, ERecalled, EWithdrawn, ENotSold, ENotLocked, EAlreadyInChannel, EReturned,
	ERefundOnly, ENotInCustody, ENotShipped,
}

// stateCodes names the refusal for a unit in each state.
var stateCodes = map[UnitState]string{
	StateCommissioned: ENotReleased,
	StateInChannel:    EAlreadyInChannel,
	StateReserved:     EInCheckout,
	StateSold:         EAlreadySold,
	StateConsumed:     EAlreadyUsed,
	StateStolen:       EStolen,
	StateDestroyed:    EDestroyed,
	StateLocked:       ELocked,
	StateReturned:     EReturned,
	StateRecalled:     ERecalled,
	StateWithdrawn:    EWithdrawn,
}

// StateCode returns the reason code that names state s, as a policy's state
// rule reports it ("already_sold" for a sold unit).
func StateCode(s UnitState) string { return stateCodes[s] }

// UnitTransition returns the state a unit in effective state from reaches
// through event t, or an *Error with the code of the refusal. lockedFrom is
// the own state a locked unit was locked from, which unlock restores ("" to
// follow its batch again).
func UnitTransition(t EventType, from, lockedFrom UnitState) (UnitState, error) {
	if t == EventReturn || t == EventRestock {
		return "", Errorf(ERefundOnly, "a sale is undone only by a refund of its checkout, by the merchant that sold it")
	}
	tr, ok := unitTransitions[t]
	if !ok {
		return "", Errorf(EInvalid, "%q is not an event for units", t)
	}
	for _, s := range tr.from {
		if s == from {
			if t == EventUnlock {
				return lockedFrom, nil
			}
			return tr.to, nil
		}
	}
	return "", refusal(t, from)
}

// refusal explains why event t may not happen to a unit in state from.
func refusal(t EventType, from UnitState) *Error {
	code := stateCodes[from]
	switch {
	case from == StateRecalled || from == StateWithdrawn || from == StateDestroyed || from == StateStolen:
		// These states explain any refusal best.
	case t == EventConsume || t == EventRefund:
		code = ENotSold
	case t == EventUnlock:
		code = ENotLocked
	case t == EventRelease:
		code = EAlreadyReleased
	}
	return Errorf(code, "cannot %s a unit that is %s", t, describeState(from))
}

// BatchTransition returns the disposition a batch reaches through event t.
// Ship and receive keep the disposition.
func BatchTransition(t EventType, from Disposition) (Disposition, error) {
	if t == EventShip || t == EventReceive {
		return from, nil
	}
	tr, ok := batchTransitions[t]
	if !ok {
		return "", Errorf(EInvalid, "%q is not an event for a whole batch", t)
	}
	for _, d := range tr.from {
		if d == from {
			return tr.to, nil
		}
	}
	code := EAlreadyReleased
	if from.Terminal() {
		code = string(from)
	}
	return "", Errorf(code, "cannot %s a batch that is %s", t, from)
}

func describeState(s UnitState) string {
	switch s {
	case StateCommissioned:
		return "not released yet"
	case StateInChannel:
		return "in the channel"
	case StateReserved:
		return "reserved by a checkout"
	}
	return string(s)
}

// EffectiveState returns the state of a unit of a batch with disposition d:
// the batch's terminal disposition if it has one, else the unit's own state
// if something happened to it alone (own != ""), else the batch's.
func EffectiveState(d Disposition, own UnitState) UnitState {
	switch {
	case d == Recalled:
		return StateRecalled
	case d == Withdrawn:
		return StateWithdrawn
	case d == Destroyed:
		return StateDestroyed
	case own != "":
		return own
	case d == Released:
		return StateInChannel
	}
	return StateCommissioned
}
