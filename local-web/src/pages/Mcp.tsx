// MCP tools the runtime offers, with their input schemas.
import { get } from "../api/client";
import type { McpTool } from "../api/types";
import { Json } from "../components/Json";
import { Empty, ErrorNote, Loading } from "../components/Notes";
import { useResource } from "../live/resource";

interface Property {
  name: string;
  type: string;
  required: boolean;
  description: string;
}

/** The top-level properties of a JSON Schema, for a table. */
export function propertiesOf(schema: unknown): Property[] {
  const s = (schema ?? {}) as {
    properties?: Record<string, { type?: unknown; description?: unknown }>;
    required?: unknown;
  };
  const required = Array.isArray(s.required) ? (s.required as string[]) : [];
  return Object.entries(s.properties ?? {}).map(([name, p]) => ({
    name,
    type: Array.isArray(p.type) ? p.type.join(" | ") : typeof p.type === "string" ? p.type : "any",
    required: required.includes(name),
    description: typeof p.description === "string" ? p.description : "",
  }));
}

/** The MCP tools page. */
export function McpPage() {
  const tools = useResource(() => get("/api/v1/mcp/tools"), ["runtime.status"]);
  if (tools.data === undefined) {
    return tools.status === "error" ? <ErrorNote error={tools.error} /> : <Loading what="tools" />;
  }
  return (
    <>
      {tools.status === "error" && <ErrorNote error={tools.error} />}
      {tools.data.tools.length === 0 ? (
        <Empty>The runtime offers no MCP tools.</Empty>
      ) : (
        <ul className="list">
          {tools.data.tools.map((tool) => (
            <ToolRow key={tool.name} tool={tool} />
          ))}
        </ul>
      )}
    </>
  );
}

function ToolRow({ tool }: { tool: McpTool }) {
  const props = propertiesOf(tool.inputSchema);
  return (
    <li className="row">
      <h2 className="row-title">
        {tool.title ?? tool.name} <code>{tool.name}</code>
      </h2>
      {tool.description && <p className="muted">{tool.description}</p>}
      {props.length > 0 && (
        <table className="table">
          <caption className="visually-hidden">Inputs of {tool.name}</caption>
          <thead>
            <tr>
              <th scope="col">Input</th>
              <th scope="col">Type</th>
              <th scope="col">Required</th>
            </tr>
          </thead>
          <tbody>
            {props.map((p) => (
              <tr key={p.name}>
                <td>
                  <code>{p.name}</code> {p.description}
                </td>
                <td>{p.type}</td>
                <td>{p.required ? "yes" : "no"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <details>
        <summary>Input schema</summary>
        <Json value={tool.inputSchema ?? {}} label={`Input schema of ${tool.name}`} />
      </details>
    </li>
  );
}
