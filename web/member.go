package web

import (
	"bytes"
	"encoding"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"

	"genuine"
)

// checkMembers refuses what encoding/json lets through: an object that
// names a member twice, at any depth (json keeps the last, so a cart's
// "price": 100, "price": 1 would charge 1), and a member that names a field
// of t only in another case ("Price" for "price"). data must hold one
// valid JSON value, as decoded into t; t nil, or a type that decodes
// itself, checks only for duplicates below it.
func checkMembers(data []byte, t reflect.Type) error {
	c := memberCheck{data: data}
	return c.value(t)
}

// memberCheck walks one valid JSON value; path locates the value being
// walked, for messages.
type memberCheck struct {
	data []byte
	i    int
	path []pathStep
}

// pathStep is a member name or, for an array element, an index.
type pathStep struct {
	name  string
	index int
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// value walks the value at c.i, decoded into t.
func (c *memberCheck) value(t reflect.Type) error {
	t = plainType(t)
	c.space()
	switch c.data[c.i] {
	case '{':
		return c.object(t)
	case '[':
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		c.i++
		for n := 0; ; n++ {
			c.space()
			if c.data[c.i] == ']' {
				c.i++
				return nil
			}
			c.path = append(c.path, pathStep{index: n})
			if err := c.value(elem); err != nil {
				return err
			}
			c.path = c.path[:len(c.path)-1]
			c.space()
			if c.data[c.i] == ',' {
				c.i++
			}
		}
	case '"':
		c.str()
	default:
		for c.i < len(c.data) && !strings.ContainsRune(",]} \t\r\n", rune(c.data[c.i])) {
			c.i++
		}
	}
	return nil
}

// object walks the object at c.i, decoded into t.
func (c *memberCheck) object(t reflect.Type) error {
	var fields []field
	var elem reflect.Type
	switch {
	case t == nil:
	case t.Kind() == reflect.Struct:
		fields = structFields(t, nil)
	case t.Kind() == reflect.Map:
		elem = t.Elem()
	}
	seen := memberSet{}
	c.i++
	for {
		c.space()
		if c.data[c.i] == '}' {
			c.i++
			return nil
		}
		name := c.str()
		if !seen.add(name) {
			return genuine.Errorf(genuine.EInvalid, "duplicate member %q %s; each member may appear once", name, c.where())
		}
		ft := elem
		if t != nil && t.Kind() == reflect.Struct {
			f := fieldNamed(fields, name)
			if f == nil {
				return genuine.Errorf(genuine.EInvalid, "unknown member %q %s%s", name, c.where(), caseHint(fields, name))
			}
			ft = f.typ
		}
		c.space()
		c.i++ // the colon
		c.path = append(c.path, pathStep{name: string(name), index: -1})
		if err := c.value(ft); err != nil {
			return err
		}
		c.path = c.path[:len(c.path)-1]
		c.space()
		if c.data[c.i] == ',' {
			c.i++
		}
	}
}

// str reads the string at c.i and returns its value. A string without
// escapes is returned as a part of data.
func (c *memberCheck) str() []byte {
	start := c.i
	escaped := false
	for c.i++; c.data[c.i] != '"'; c.i++ {
		if c.data[c.i] == '\\' {
			escaped = true
			c.i++
		}
	}
	c.i++
	if !escaped {
		return c.data[start+1 : c.i-1]
	}
	var s string
	json.Unmarshal(c.data[start:c.i], &s) // valid JSON: it cannot fail
	return []byte(s)
}

func (c *memberCheck) space() {
	for c.i < len(c.data) && (c.data[c.i] == ' ' || c.data[c.i] == '\t' || c.data[c.i] == '\r' || c.data[c.i] == '\n') {
		c.i++
	}
}

// where names the object being walked: "in items[0]", or "in the request
// body" at the top.
func (c *memberCheck) where() string {
	if len(c.path) == 0 {
		return "in the request body"
	}
	var b strings.Builder
	b.WriteString("in ")
	for i, s := range c.path {
		switch {
		case s.index >= 0:
			b.WriteString("[" + strconv.Itoa(s.index) + "]")
		case i > 0:
			b.WriteString("." + s.name)
		default:
			b.WriteString(s.name)
		}
	}
	return b.String()
}

// memberSet holds the names of an object's members seen so far: a list
// while short, a map once long, so that a large object costs no quadratic
// time.
type memberSet struct {
	list [][]byte
	m    map[string]struct{}
}

// add adds name and reports whether it was new.
func (s *memberSet) add(name []byte) bool {
	if s.m != nil {
		if _, ok := s.m[string(name)]; ok {
			return false
		}
		s.m[string(name)] = struct{}{}
		return true
	}
	for _, n := range s.list {
		if bytes.Equal(n, name) {
			return false
		}
	}
	s.list = append(s.list, name)
	if len(s.list) > 16 {
		s.m = make(map[string]struct{}, 2*len(s.list))
		for _, n := range s.list {
			s.m[string(n)] = struct{}{}
		}
	}
	return true
}

// field is a JSON member a struct decodes, with the type of its value.
type field struct {
	name string
	typ  reflect.Type
}

// plainType returns t without pointers, or nil if values of t decode
// themselves (their members are not known here) or t is nil.
func plainType(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() == reflect.Interface {
		return nil
	}
	p := reflect.PointerTo(t)
	if p.Implements(jsonUnmarshaler) || p.Implements(textUnmarshaler) {
		return nil
	}
	return t
}

// structFields appends to fields the members struct t decodes, as
// encoding/json names them: the json tag's name or the field's, fields of
// untagged embedded structs promoted.
func structFields(t reflect.Type, fields []field) []field {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			et := f.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				fields = structFields(et, fields)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fields = append(fields, field{name: name, typ: f.Type})
	}
	return fields
}

// fieldNamed returns the field named exactly name, nil if none is.
func fieldNamed(fields []field, name []byte) *field {
	for i := range fields {
		if fields[i].name == string(name) {
			return &fields[i]
		}
	}
	return nil
}

// caseHint names the member that name spells in another case, if any.
func caseHint(fields []field, name []byte) string {
	for _, f := range fields {
		if strings.EqualFold(f.name, string(name)) {
			return "; member names are case-sensitive: did you mean " + strconv.Quote(f.name) + "?"
		}
	}
	return ""
}
