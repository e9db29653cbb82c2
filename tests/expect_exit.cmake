# cmake -DCOMMAND=exe -DARGS=a;b -DEXPECT_CODE=n -DEXPECT_STDERR=regex -P expect_exit.cmake
# Runs COMMAND ARGS and fails unless it exits with EXPECT_CODE and prints one stderr line
# matching EXPECT_STDERR.
execute_process(COMMAND ${COMMAND} ${ARGS} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT code EQUAL EXPECT_CODE)
  message(FATAL_ERROR "exit code ${code}, expected ${EXPECT_CODE}; stderr: ${err}")
endif()
string(REGEX MATCHALL "\n" lines "${err}")
list(LENGTH lines count)
if(NOT count EQUAL 1 OR NOT err MATCHES "${EXPECT_STDERR}")
  message(FATAL_ERROR "expected one stderr line matching '${EXPECT_STDERR}', got: ${err}")
endif()
