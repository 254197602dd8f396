// The one exception type the library throws for bad input; only `main` prints it and exits.
#pragma once

#include <exception>
#include <stdexcept>
#include <string>

namespace dreamer {

/// Bad input from the user: a config key or value, an env name, a file. The message names it.
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Training diverged: a loss, a gradient or the policy became NaN or infinite. The message names it.
struct Divergence : Error {
  using Error::Error;
};

/// What LibTorch (or anything else) threw, as one line: c10::Error's message without the backtrace it carries.
std::string reason(const std::exception& e);

}  // namespace dreamer
