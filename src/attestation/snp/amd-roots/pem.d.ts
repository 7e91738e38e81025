// Type of text imports of PEM files (`import x from "./f.pem" with { type: "text" }`), which Bun embeds into the binary.
declare module "*.pem" {
  const text: string;
  export default text;
}
