// Annotation keys Contrast reads from or writes to workloads (edgelesssys/contrast initializer, Kata Containers src/runtime/pkg/oci/utils.go).

export const ANNOTATION_POD_ROLE = "contrast.edgeless.systems/pod-role";
export const ANNOTATION_SKIP_INITIALIZER = "contrast.edgeless.systems/skip-initializer";
export const ANNOTATION_WORKLOAD_SECRET_ID = "contrast.edgeless.systems/workload-secret-id";
export const ANNOTATION_INITDATA = "io.katacontainers.config.hypervisor.cc_init_data";
export const ROLE_COORDINATOR = "coordinator";
