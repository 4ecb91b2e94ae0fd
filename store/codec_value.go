package store

import (
	"encoding/json"
	"time"
)

// Kinds of variable values: what expressions, answers and HTTP results
// put in a session's variables. Any other type is written as JSON (kind
// valueJSON) and comes back as what encoding/json makes of it.
const (
	valueNil = iota
	valueFalse
	valueTrue
	valueInt
	valueInt64
	valueFloat
	valueString
	valueList
	valueMap
	valueStringMap
	valueStrings
	valueBytes
	valueTime
	valueJSON
)

// value writes v as field f: a message of its kind (1) and payload (2).
func (e *enc) value(f int, v any) {
	if e.vdepth++; e.vdepth > maxValueDepth && e.deep == nil {
		e.deep = &deepValue{vars: e.in, key: e.varKey}
	}
	if e.deep != nil && e.bounded {
		e.vdepth--
		return // refused: what follows is not written
	}
	e.msg(f, func() {
		switch v := v.(type) {
		case nil:
		case bool:
			if v {
				e.uint(1, valueTrue)
			} else {
				e.uint(1, valueFalse)
			}
		case int:
			e.uint(1, valueInt)
			e.int(2, int64(v))
		case int64:
			e.uint(1, valueInt64)
			e.int(2, v)
		case float64:
			e.uint(1, valueFloat)
			e.float(2, v)
		case string:
			e.uint(1, valueString)
			e.str(2, v)
		case []any:
			e.uint(1, valueList)
			for _, x := range v {
				e.value(2, x)
			}
		case map[string]any:
			e.uint(1, valueMap)
			e.vars(2, v)
		case map[string]string:
			e.uint(1, valueStringMap)
			e.strMap(2, v)
		case []string:
			e.uint(1, valueStrings)
			for _, s := range v {
				e.text(2, s)
			}
		case []byte:
			e.uint(1, valueBytes)
			e.raw(2, v)
		case time.Time:
			e.uint(1, valueTime)
			e.time(2, v)
		default:
			b, err := json.Marshal(v)
			if err != nil {
				b = []byte("null")
			}
			e.uint(1, valueJSON)
			e.raw(2, b)
		}
	})
	e.vdepth--
}

// vars writes a variables map as field f: one entry (key 1, value 2) per
// variable.
func (e *enc) vars(f int, m map[string]any) {
	e.msg(f, func() {
		for k, v := range m {
			if e.vdepth == 0 {
				e.varKey = k // a variable's name, not a key of its value
			}
			e.msg(1, func() {
				e.text(1, k)
				e.value(2, v)
			})
		}
	})
}

func (e *enc) strMap(f int, m map[string]string) {
	e.msg(f, func() {
		for k, v := range m {
			e.msg(1, func() {
				e.text(1, k)
				e.str(2, v)
			})
		}
	})
}

func (d *dec) value() any {
	s := d.open()
	defer d.close(&s)
	if s.depth++; s.depth > maxValueDepth {
		s.fail("variable values nested deeper than %d levels", maxValueDepth)
		return nil
	}
	var v any
	kind := uint64(valueNil)
	var list []any
	var strs []string
	for s.more() {
		f, wt := s.key()
		switch {
		case f == 1 && wt == wireVarint:
			kind = s.uvarint()
		case f == 2 && kind == valueList:
			list = append(list, s.value())
		case f == 2 && kind == valueStrings:
			strs = append(strs, s.str())
		case f == 2:
			v = s.payload(kind, wt)
		default:
			s.skip(wt)
		}
	}
	switch kind {
	case valueFalse:
		return false
	case valueTrue:
		return true
	case valueList:
		if list == nil {
			list = []any{}
		}
		return list
	case valueStrings:
		if strs == nil {
			strs = []string{}
		}
		return strs
	}
	if v != nil {
		return v
	}
	switch kind { // zero payloads are left out
	case valueInt:
		return 0
	case valueInt64:
		return int64(0)
	case valueFloat:
		return 0.0
	case valueString:
		return ""
	case valueMap:
		return map[string]any{}
	case valueStringMap:
		return map[string]string{}
	case valueBytes:
		return []byte{}
	case valueTime:
		return time.Time{}
	}
	return nil
}

// payload reads the payload of a value of kind.
func (d *dec) payload(kind uint64, wt int) any {
	switch kind {
	case valueInt:
		return int(d.varint())
	case valueInt64:
		return d.varint()
	case valueFloat:
		return d.float()
	case valueString:
		return d.str()
	case valueMap:
		return d.vars()
	case valueStringMap:
		return d.strMap()
	case valueBytes:
		return d.bytes()
	case valueTime:
		return d.time()
	case valueJSON:
		var v any
		if err := json.Unmarshal(d.bytes(), &v); err != nil {
			d.fail("variable value: %v", err)
		}
		return v
	}
	d.skip(wt)
	return nil
}

func (d *dec) vars() map[string]any {
	s := d.open()
	defer d.close(&s)
	m := make(map[string]any, s.count(1))
	for s.more() {
		f, wt := s.key()
		if f != 1 {
			s.skip(wt)
			continue
		}
		e := s.open()
		var k string
		var v any
		for e.more() {
			f, wt := e.key()
			switch f {
			case 1:
				k = e.str()
			case 2:
				v = e.value()
			default:
				e.skip(wt)
			}
		}
		s.close(&e)
		m[k] = v
	}
	return m
}

func (d *dec) strMap() map[string]string {
	s := d.open()
	defer d.close(&s)
	m := make(map[string]string, s.count(1))
	for s.more() {
		f, wt := s.key()
		if f != 1 {
			s.skip(wt)
			continue
		}
		e := s.open()
		var k, v string
		for e.more() {
			f, wt := e.key()
			switch f {
			case 1:
				k = e.str()
			case 2:
				v = e.str()
			default:
				e.skip(wt)
			}
		}
		s.close(&e)
		m[k] = v
	}
	return m
}
