package stripe

import "genuine"

// Process is the buyer paying an open session by an asynchronous method
// (a bank debit) still being processed: the session completes unpaid, its
// payment intent processing, and no event is sent yet.
func (f *Fake) Process(reference string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, err := f.session(reference)
	if err != nil {
		return err
	}
	if s.status != "open" {
		return genuine.Errorf(genuine.EConflict, "Stripe session %s is %s", s.id, s.status)
	}
	now := f.Now().Unix()
	s.status = "complete"
	s.intent = &fakeIntent{id: "pi_" + token(24), chargeID: "ch_" + token(24), created: now, status: "processing"}
	f.intents[s.intent.id] = s
	return nil
}
