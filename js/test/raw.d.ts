/** The one Node API the style tests use (the tsconfig loads no Node types). */
declare module "node:fs" {
  export function readFileSync(path: string, encoding: "utf8"): string;
}
