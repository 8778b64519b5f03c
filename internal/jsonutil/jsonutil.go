// SPDX-License-Identifier: Apache-2.0

// Package jsonutil turns encoding/json errors into messages that name the field.
package jsonutil

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Describe rewrites a JSON type error as "field a.b.c: expected int64, got JSON string";
// other errors are returned unchanged.
func Describe(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("field %s: expected %s, got JSON %s", te.Field, te.Type, te.Value)
	}
	return err
}
