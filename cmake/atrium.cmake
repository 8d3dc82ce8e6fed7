# Shared build settings: warnings on our code, sanitizers, helpers for module libraries and tests.
set(ATRIUM_WARNINGS -Wall -Wextra -Werror -Wno-error=deprecated-declarations)

if(ATRIUM_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
if(ATRIUM_FUZZ)
  # Instrument everything for coverage; the fuzz targets add -fsanitize=fuzzer at link time.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# atrium_library(name SOURCES ... DEPS ...): one folder = one library = one namespace.
function(atrium_library name)
  cmake_parse_arguments(A "" "" "SOURCES;DEPS" ${ARGN})
  add_library(atrium_${name} STATIC ${A_SOURCES})
  target_include_directories(atrium_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(atrium_${name} PRIVATE ${ATRIUM_WARNINGS})
  target_link_libraries(atrium_${name} PUBLIC ${A_DEPS})
endfunction()

# atrium_unit_test(name SOURCES ... DEPS ...): a gtest binary whose cases ctest lists one by one.
function(atrium_unit_test name)
  cmake_parse_arguments(A "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${A_SOURCES})
  target_compile_options(${name} PRIVATE ${ATRIUM_WARNINGS})
  target_compile_definitions(${name} PRIVATE ATRIUM_TEST_DATA="${PROJECT_SOURCE_DIR}/tests/data")
  target_link_libraries(${name} PRIVATE ${A_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  include(GoogleTest)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS unit)
  set_property(GLOBAL APPEND PROPERTY ATRIUM_UNIT_TESTS ${name})
endfunction()
