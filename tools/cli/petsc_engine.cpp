#include "cli/petsc_engine.hpp"

namespace pgtruth::cli {
namespace {

PetscEngine& registered() {
  static PetscEngine engine = nullptr;
  return engine;
}

}  // namespace

void set_petsc_engine(PetscEngine engine) { registered() = engine; }

int run_petsc_engine(const PetscEngineRequest& request, const std::string& file, std::ostream& out, std::ostream& err) {
  if (registered()) return registered()(request, file, out, err);
  err << "pgtruth solve: --engine petsc runs in pgtruth-mpi (mpirun -n K pgtruth-mpi solve FILE --engine petsc), "
         "which is built beside pgtruth when PETSc is found: install petsc-dev (Debian, Ubuntu) and build again\n";
  return 2;
}

}  // namespace pgtruth::cli
