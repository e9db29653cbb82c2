# cmake -DCOMMAND="mpirun;-n;K;exe" -DARGS=a;b -DEXPECT_CODE=n -DEXPECT_LINE=regex -P expect_mpi_exit.cmake
# Runs an MPI launch and fails unless it exits with EXPECT_CODE and pgtruth's ranks printed one
# line between them matching EXPECT_LINE (the launcher's own report of the exit code aside).
execute_process(COMMAND ${COMMAND} ${ARGS} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT code EQUAL EXPECT_CODE)
  message(FATAL_ERROR "exit code ${code}, expected ${EXPECT_CODE}; stderr: ${err}")
endif()
string(REGEX MATCHALL "[^\n]*\\.json: [^\n]*" ours "${err}")
list(LENGTH ours count)
if(NOT count EQUAL 1 OR NOT err MATCHES "${EXPECT_LINE}")
  message(FATAL_ERROR "expected one line from pgtruth matching '${EXPECT_LINE}', got: ${err}")
endif()
