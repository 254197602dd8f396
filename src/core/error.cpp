// The text of a caught exception, for the messages of dreamer::Error.
#include "dreamer/core/error.h"

#include <c10/util/Exception.h>

namespace dreamer {

std::string reason(const std::exception& e) {
  if (const auto* c10 = dynamic_cast<const c10::Error*>(&e)) return c10->what_without_backtrace();
  return e.what();
}

}  // namespace dreamer
