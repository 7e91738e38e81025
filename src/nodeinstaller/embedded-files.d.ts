// Types for files embedded with `import … with { type: "text" }` (Kata templates from runtime/kata/).
declare module "*.toml" {
  const text: string;
  export default text;
}
