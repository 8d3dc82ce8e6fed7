// Nesting depth of JSON text outside strings, so parsers can refuse "[[[[..." before building a
// document for it (a DOM of deeply nested input costs memory and, in some libraries, stack).
#pragma once

#include <string_view>

namespace atrium::base {

inline bool jsonDepthWithin(std::string_view text, int limit) {
  int depth = 0;
  bool inString = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (inString) {
      if (c == '\\') ++i;
      else if (c == '"') inString = false;
    } else if (c == '"') {
      inString = true;
    } else if (c == '{' || c == '[') {
      if (++depth > limit) return false;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return true;
}

}  // namespace atrium::base
