// JSON body templates of the REST provider's calls: a JSON document whose strings may hold
// placeholders. A string that is exactly one placeholder becomes that placeholder's JSON value
// (an object, a list, a string, a number); any other string is text with the values interpolated.
// Parsed and checked once when the provider is built, expanded per request.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "providers/rest/text_template.hpp"

namespace tixsync::providers::rest {

/// One problem inside a template: where (".filterGroups[0].value", "" for the whole) and what.
struct template_problem {
  std::string where;
  std::string message;
};

class json_template {
 public:
  /// The JSON value of a placeholder for one request.
  using value_source = std::function<json(placeholder)>;

  json_template() = default;

  /// Parses `node`: a table or list is the template itself; a string holds it as JSON text.
  /// Object keys are literal. Appends every problem (bad JSON, unknown or not allowed
  /// placeholders, unbalanced braces) with where it is.
  static json_template parse(const json& node, const std::vector<placeholder>& allowed,
                             std::vector<template_problem>& problems);

  /// The document with every placeholder replaced by `value_of(name)` (interpolated as
  /// interpolation_text()).
  json expand(const value_source& value_of) const;

  /// Whether any string of the template uses `name`.
  bool uses(placeholder name) const;

 private:
  struct slot {
    json::json_pointer at;
    text_template text;
  };
  json document_;
  std::vector<slot> slots_;
};

/// A JSON value as text inside a string: strings as they are, null as "", anything else as JSON.
std::string interpolation_text(const json& value);

}  // namespace tixsync::providers::rest
