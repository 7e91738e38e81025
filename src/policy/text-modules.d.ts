// Type of text imports (`import x from "./f.rego" with { type: "text" }`), which Bun embeds into the binary.
declare module "*.rego" {
  const text: string;
  export default text;
}
