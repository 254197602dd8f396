// Test helpers for error messages: the text of the dreamer::Error a call throws, and substring checks.
#pragma once

#include <functional>
#include <string>

#include "dreamer/core/error.h"

namespace dreamer {
namespace testing {

/// What `f` throws as dreamer::Error, or "(no error)".
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace testing
}  // namespace dreamer
