/** A conversation turn as Anthropic's Messages and Bedrock's Converse APIs take it. */
export interface Turn<Block> {
  role: 'user' | 'assistant';
  content: Block[];
}

/**
 * Appends `blocks` as a turn of `role`, merged into the previous turn when it has the same role: both APIs
 * require user and assistant turns to alternate, while OpenAI's messages may repeat a role (a tool result
 * after a tool result, two user messages). Empty block lists add nothing.
 */
export function appendTurn<Block>(turns: Array<Turn<Block>>, role: Turn<Block>['role'], blocks: readonly Block[]): void {
  if (blocks.length === 0) return;
  const last = turns[turns.length - 1];
  if (last?.role === role) last.content.push(...blocks);
  else turns.push({ role, content: [...blocks] });
}
