// The PETSc engine's tests run under mpirun on 1, 2 and 3 ranks (tests/CMakeLists.txt): every
// rank runs every test case, and the program fails when any rank does.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <mpi.h>

#include "pgtruth/finite/petsc_solver.hpp"

int main(int argc, char** argv) {
  int result = 0;
  {
    const pgtruth::PetscSession session;  // no PETSc options from the test's own arguments
    doctest::Context context(argc, argv);
    result = context.run();
    MPI_Allreduce(MPI_IN_PLACE, &result, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  }
  return result;
}
