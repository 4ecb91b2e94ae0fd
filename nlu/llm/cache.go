package llm

import (
	"container/list"
	"sync"

	"github.com/batonbot/baton/flows"
)

// lru is a bounded map of the model's answers, least recently used evicted
// first. Twenty lines do not justify a dependency.
type lru struct {
	mu    sync.Mutex
	max   int
	order *list.List // front: most recent; values are *entry
	byKey map[string]*list.Element
}

type entry struct {
	key string
	val flows.Signals
}

func newLRU(max int) *lru {
	return &lru{max: max, order: list.New(), byKey: make(map[string]*list.Element, min(max, 1024))}
}

func (c *lru) get(key string) (flows.Signals, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[key]
	if !ok {
		return flows.Signals{}, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*entry).val, true
}

func (c *lru) put(key string, val flows.Signals) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[key]; ok {
		el.Value.(*entry).val = val
		c.order.MoveToFront(el)
		return
	}
	c.byKey[key] = c.order.PushFront(&entry{key: key, val: val})
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.byKey, last.Value.(*entry).key)
	}
}

func (c *lru) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
