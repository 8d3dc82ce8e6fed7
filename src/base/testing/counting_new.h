// Counts every global operator new of the test binary that links counting_new.cc, so a test can
// assert that a packet path allocates nothing. Only allocation tests link it: it replaces the
// global allocator for the whole binary.
#pragma once

namespace atrium::testing {

long allocationCount();

}  // namespace atrium::testing
