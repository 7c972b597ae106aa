package textin

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/reelview/reelview/app/apperr"
)

type Embedded struct {
	Cursor string `query:"cursor"`
}

type input struct {
	Embedded
	Q      string `query:"q" maxLength:"5"`
	ID     string `path:"id"`
	Header string `header:"If-None-Match"`
	Body   struct {
		Title    *string  `json:"title,omitempty" minLength:"1" maxLength:"3"`
		Text     string   `json:"text" text:"multiline"`
		Password string   `json:"password" format:"password"`
		Tags     []string `json:"tags"`
		Inner    struct {
			Name string `json:"name"`
		} `json:"inner"`
	}
}

func TestText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, tag, want, wantErr string
	}{
		{"NFC", "e\u0301", ``, "é", ""},
		{"trimmed", "  Heat \u00a0", ``, "Heat", ""},
		{"NUL", "a\x00b", ``, "", "single line"},
		{"newline in a single line", "a\nb", ``, "", "single line"},
		{"escape", "\x1b[31m", ``, "", "single line"},
		{"C1 control", "a\u0085b", ``, "", "single line"},
		{"multiline keeps LF and tab", " a\r\nb\tc\rd ", `text:"multiline"`, "a\nb\tc\nd", ""},
		{"multiline NUL", "a\x00", `text:"multiline"`, "", "control characters"},
		{"invalid UTF-8", "\xff", ``, "", "UTF-8"},
		{"password untouched", " e\u0301\x00 ", `format:"password"`, " e\u0301\x00 ", ""},
		{"runes, not bytes", strings.Repeat("😀", 3), `maxLength:"3"`, strings.Repeat("😀", 3), ""},
		{"too long", "abcd", `maxLength:"3"`, "", "at most 3"},
		{"blank", "   ", `minLength:"1"`, "", "at least 1"},
		// U+0958 is excluded from composition: NFC makes it two runes.
		{"longer after NFC", "\u0958\u0958", `maxLength:"3"`, "", "at most 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Text(tt.in, reflectTag(tt.tag))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Text(%q) = %q, %v; want error with %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Text(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestClean(t *testing.T) {
	t.Parallel()
	title := " Ab "
	in := &input{Q: " x ", ID: " 7", Header: " W/\"x\" ", Embedded: Embedded{Cursor: " c "}}
	in.Body.Title = &title
	in.Body.Text = "a\r\nb"
	in.Body.Password = " secret "
	in.Body.Tags = []string{" a "}
	in.Body.Inner.Name = "e\u0301"
	if err := Clean(in); err != nil {
		t.Fatal(err)
	}
	if in.Q != "x" || in.Cursor != "c" || in.ID != "7" || in.Header != " W/\"x\" " || *in.Body.Title != "Ab" || in.Body.Text != "a\nb" ||
		in.Body.Password != " secret " || in.Body.Tags[0] != "a" || in.Body.Inner.Name != "é" {
		t.Fatalf("cleaned: %+v", in)
	}
	for field, set := range map[string]func(*input){
		"q":          func(in *input) { in.Q = "a\tb" },
		"cursor":     func(in *input) { in.Cursor = "\x00" },
		"title":      func(in *input) { s := "\x00"; in.Body.Title = &s },
		"tags[1]":    func(in *input) { in.Body.Tags = []string{"ok", "\x7f"} },
		"inner.name": func(in *input) { in.Body.Inner.Name = "a\nb" },
	} {
		in := &input{}
		set(in)
		var ae *apperr.Error
		if err := Clean(in); !errors.As(err, &ae) || len(ae.Details) != 1 || ae.Details[0].Field != field {
			t.Errorf("%s: Clean = %v, want a validation error on %s", field, err, field)
		}
	}
}

func reflectTag(s string) reflect.StructTag { return reflect.StructTag(s) }

// Names that look alike fold alike; distinct names stay distinct.
func TestFold(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{"ada", "ada"}, {"ADA", "ada"}, {"ＡＤＡ", "ada"}, {"ｱﾀﾞ", "アダ"}, {"𝐀𝐝𝐚", "ada"}, {"ᴬᴰᴬ", "ada"},
		{"ad\u200da", "ada"}, {"\u200bada\ufeff", "ada"}, {"ada\u3164", "ada"}, {"ﬁne", "fine"}, {"ℌal", "hal"},
		{"Grace\u00a0\u00a0Hopper", "grace hopper"}, {"  Grace   Hopper ", "grace hopper"},
		{"ΣΊΣΥΦΟΣ", "σίσυφοσ"}, {"Straße", "straße"}, {"Ada@Example.COM", "ada@example.com"},
	} {
		if got := Fold(tt.in); got != tt.want {
			t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if Fold("ada") == Fold("adb") || Fold("ada") == Fold("a da") {
		t.Error("distinct names fold alike")
	}
}

func TestCheckName(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"ada", "Ada Lovelace", "ＡＤＡ", "가나다", "ada 🎬", "o'brien-smith"} {
		if err := CheckName(ok); err != nil {
			t.Errorf("CheckName(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"ad\u200da", "a\u200cda", "\u202eada", "ada\u2060", "ada\ufe0f", "ada\u3164", "\u00adada", "ada\U000E0041"} {
		if err := CheckName(bad); err == nil || !strings.Contains(err.Error(), "invisible") {
			t.Errorf("CheckName(%q) = %v, want the invisible-character rule", bad, err)
		}
	}
	if err := CheckName("a\u0378b"); err == nil { // unassigned
		t.Error("an unassigned code point was accepted")
	}
}
