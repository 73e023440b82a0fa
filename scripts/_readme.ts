// Reading the README's "Deno and Node" examples, which the tests run.

/**
 * Returns the text of one section of a Markdown document: from its `## `
 * heading to the next `## ` heading.
 *
 * @param markdown The document.
 * @param heading The heading text, without `## `.
 * @returns The section's text, or `undefined` when there is no such heading.
 */
export function readmeSection(
  markdown: string,
  heading: string,
): string | undefined {
  const lines = markdown.split("\n");
  const start = lines.indexOf(`## ${heading}`);
  if (start === -1) return undefined;
  const end = lines.findIndex((line, index) =>
    index > start && line.startsWith("## ")
  );
  return lines.slice(start, end === -1 ? undefined : end).join("\n");
}

/**
 * Returns the code blocks of a Markdown text whose info string starts with
 * `language`, such as every ```` ```js ignore ```` block for `"js"`.
 *
 * @param markdown The text.
 * @param language The first word of the info string.
 * @returns The blocks' contents, in order.
 */
export function codeBlocks(markdown: string, language: string): string[] {
  const blocks: string[] = [];
  const pattern = /^```([^\n]*)\n([\s\S]*?)^```$/gm;
  for (const match of markdown.matchAll(pattern)) {
    if ((match[1] ?? "").trim().split(/\s+/)[0] === language) {
      blocks.push(match[2] ?? "");
    }
  }
  return blocks;
}

/**
 * Returns the Node example of the README: the first `js` block of its
 * "Deno and Node" section.
 *
 * @param readme The README text.
 * @returns The example, or `undefined` when the section has none.
 */
export function readmeNodeExample(readme: string): string | undefined {
  return codeBlocks(readmeSection(readme, "Deno and Node") ?? "", "js")[0];
}

/**
 * Returns the Deno URL-import example of the README: the first `ts` block
 * of its "Deno and Node" section that imports from an `https:` URL.
 *
 * @param readme The README text.
 * @returns The example, or `undefined` when the section has none.
 */
export function readmeUrlExample(readme: string): string | undefined {
  return codeBlocks(readmeSection(readme, "Deno and Node") ?? "", "ts")
    .find((block) => /from "https:\/\//.test(block));
}

/**
 * Returns the `deno run` commands of the README's "Deno and Node" section,
 * each split into words, with lines continued by a backslash joined. A
 * command may start with `npx -y deno@VERSION run` instead of `deno run`.
 *
 * @param readme The README text.
 * @returns The commands, each without the leading `deno run`.
 */
export function readmeDenoRunCommands(readme: string): string[][] {
  return codeBlocks(readmeSection(readme, "Deno and Node") ?? "", "sh")
    .flatMap((block) => block.replace(/\\\n\s*/g, " ").split("\n"))
    .map((line) => line.trim().replace(/^npx -y deno@\S+ /, "deno "))
    .map((line) => line.split(/\s+/))
    .filter((words) => words[0] === "deno" && words[1] === "run")
    .map((words) => words.slice(2));
}
