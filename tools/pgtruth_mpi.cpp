// pgtruth-mpi: the pgtruth command with the PETSc engine registered, launched under mpirun
// (`mpirun -n K pgtruth-mpi solve FILE --engine petsc`; docs/petsc.md). Every other command
// works as in pgtruth.
#include <iostream>
#include <string>
#include <vector>

#include "cli/cli.hpp"
#include "cli/petsc_engine.hpp"
#include "pgtruth/allocator.hpp"

int main(int argc, char** argv) {
  pgtruth::keep_freed_memory_for_reuse();
  pgtruth::cli::set_petsc_engine(&pgtruth::cli::run_on_petsc);
  const std::vector<std::string> args(argv + 1, argv + argc);
  return pgtruth::cli::run(args, std::cout, std::cerr);
}
