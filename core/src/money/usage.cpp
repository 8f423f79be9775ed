#include "switchyard/money/usage.h"

namespace switchyard {

Json UsageToJson(const Usage& u) {
  return Json{{"prompt_tokens", u.prompt_tokens},
              {"completion_tokens", u.completion_tokens},
              {"total_tokens", u.total_tokens()},
              {"cached_tokens", u.cached_tokens},
              {"cache_write_tokens", u.cache_write_tokens},
              {"cache_write_1h_tokens", u.cache_write_1h_tokens},
              {"reasoning_tokens", u.reasoning_tokens},
              {"images", u.images},
              {"requests", u.requests},
              {"known", u.known}};
}

}  // namespace switchyard
