package scaffold_test

import (
	"fmt"

	"github.com/batonbot/baton/scaffold"
)

// The files of a new bot in Italian and English, Italian first.
func ExampleFiles() {
	files, err := scaffold.Files(scaffold.Options{Dir: "pizzeria", Langs: []string{"it", "en"}})
	if err != nil {
		panic(err)
	}
	for _, f := range files {
		fmt.Println(f.Path)
	}
	// Output:
	// flows/bot.yaml
	// tests/bot.yaml
	// baton.yaml
	// README.md
	// flow.schema.json
	// config.schema.json
	// .gitignore
}
