package web

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// duplicated reports whether a valid JSON document has an object naming a
// member twice, read token by token: the reference checkMembers must agree
// with.
func duplicated(data []byte) bool {
	dec := json.NewDecoder(strings.NewReader(string(data)))
	type frame struct {
		object bool
		key    bool // the next string token is a member name
		seen   map[string]bool
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if s, ok := tok.(string); ok && top != nil && top.object && top.key {
			if top.seen[s] {
				return true
			}
			top.seen[s] = true
			top.key = false
			continue
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{object: true, key: true, seen: map[string]bool{}})
			continue
		case json.Delim('['):
			stack = append(stack, &frame{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			if len(stack) > 0 {
				top = stack[len(stack)-1]
			} else {
				top = nil
			}
		}
		if top != nil && top.object {
			top.key = true // a value ended: a member name comes next
		}
	}
}

// FuzzCheckMembers: on any valid JSON, checkMembers never panics and finds
// a duplicate member exactly when one is there.
func FuzzCheckMembers(f *testing.F) {
	for _, s := range []string{
		`{"a":1,"a":2}`, `{"a":{"b":[{"c":1,"c":2}]}}`, `[{"x":1},{"x":1}]`, `{"a\u0062":1,"ab":2}`,
		`{"items":[{"code":"x","price":100,"price":1}]}`, `"s"`, `{"a":"}","b":"\"{"}`, `{}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) {
			return
		}
		err := checkMembers(data, nil)
		if dup := duplicated(data); (err != nil) != dup {
			t.Errorf("checkMembers(%s) = %v; duplicate member: %v", data, err, dup)
		}
		var in verifyRequest
		checkMembers(data, reflect.TypeOf(&in))
	})
}
