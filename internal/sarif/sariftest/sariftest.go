// Package sariftest checks SARIF logs against the SARIF 2.1.0 JSON schema (OASIS, kept in
// internal/sarif/testdata). Tests only: it is the one importer of the JSON-schema library.
package sariftest

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// SchemaFile is the path of the stored schema.
func SchemaFile() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "testdata", "sarif-schema-2.1.0.json")
}

// Schema compiles the stored schema, with "format" asserted (a uri must be a URI).
func Schema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	data, err := os.ReadFile(SchemaFile())
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	const url = "https://json.schemastore.org/sarif-2.1.0.json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Validate checks log against schema and returns it decoded.
func Validate(t testing.TB, schema *jsonschema.Schema, log []byte) map[string]any {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(log))
	if err != nil {
		t.Fatalf("not JSON: %v\n%s", err, log)
	}
	if err := schema.Validate(v); err != nil {
		t.Fatalf("not valid SARIF 2.1.0: %v\n%s", err, log)
	}
	var doc map[string]any
	if err := json.Unmarshal(log, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}
