# Small declarative helpers in the spirit of abseil's absl_cc_* functions.

# sy_wasm_node_test(NAME target): under Emscripten a test executable is a single .js file
# (wasm inlined, real filesystem through NODERAWFS) that ctest runs with node.
function(sy_link_node_executable target)
  if(EMSCRIPTEN)
    target_link_options(${target} PRIVATE
      -sSINGLE_FILE=1          # one .js file, nothing to fetch (Node 18+ fetch() cannot read paths)
      -sNODERAWFS=1            # tests read fixtures from the real filesystem
      -sALLOW_MEMORY_GROWTH=1  # the catalog and large fixtures outgrow the default 16 MiB
      -sTOTAL_STACK=1048576    # (3.1.6 name of STACK_SIZE) nlohmann's recursive descent on nested fixtures
      -sEXIT_RUNTIME=1)        # so the process exit code is the test result
    set_target_properties(${target} PROPERTIES SUFFIX ".js")
  endif()
endfunction()

function(sy_add_node_test name target)
  if(EMSCRIPTEN)
    add_test(NAME ${name} COMMAND node $<TARGET_FILE:${target}> ${ARGN}
             WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  else()
    add_test(NAME ${name} COMMAND $<TARGET_FILE:${target}> ${ARGN}
             WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  endif()
endfunction()
