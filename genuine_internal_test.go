package genuine

import (
	"testing"
	"time"
)

// Identifiers sort in the order they were made, a millisecond apart, and
// are valid; made in the same millisecond they still differ.
func TestNewIDOrder(t *testing.T) {
	prev := newID("chk")
	seen := map[string]bool{prev: true}
	for range 5 {
		time.Sleep(2 * time.Millisecond)
		id := newID("chk")
		if id <= prev {
			t.Fatalf("%s made after %s sorts before it", id, prev)
		}
		if !validID(id, "chk") {
			t.Fatalf("%s is not a valid id", id)
		}
		prev = id
	}
	for range 10000 {
		id := newID("chk")
		if seen[id] {
			t.Fatalf("%s made twice", id)
		}
		seen[id] = true
	}
}
