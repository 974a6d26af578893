// Providers and their models, from the runtime, with a clear state when it is not there.
import { useState } from "react";
import { get } from "../api/client";
import { Badge } from "../components/Badge";
import { Empty, ErrorNote, Loading } from "../components/Notes";
import { useResource } from "../live/resource";

/** The providers page. */
export function ProvidersPage() {
  const providers = useResource(
    () => get("/api/v1/providers"),
    ["runtime.status", "config.changed"],
  );
  if (providers.data === undefined) {
    return providers.status === "error" ? (
      <ErrorNote error={providers.error} />
    ) : (
      <Loading what="providers" />
    );
  }
  return (
    <>
      {providers.status === "error" && <ErrorNote error={providers.error} />}
      {providers.data.providers.length === 0 ? (
        <Empty>The runtime lists no providers.</Empty>
      ) : (
        <ul className="list">
          {providers.data.providers.map((provider) => (
            <ProviderRow
              key={provider.id}
              id={provider.id}
              name={provider.name}
              configured={provider.configured}
              needsKey={provider.requires_api_key}
            />
          ))}
        </ul>
      )}
    </>
  );
}

function ProviderRow(props: {
  id: string;
  name: string;
  configured?: boolean;
  needsKey?: boolean;
}) {
  const [open, setOpen] = useState(false);
  return (
    <li className="row">
      <div className="row-main">
        <div>
          <button
            type="button"
            className="link-button"
            aria-expanded={open}
            onClick={() => setOpen(!open)}
          >
            {props.name}
          </button>
          <span className="muted"> {props.id}</span>
          {props.needsKey && !props.configured && (
            <p className="muted">Needs an API key (set it in the runtime's config).</p>
          )}
        </div>
        <div className="row-side">
          <Badge
            label={props.configured ? "configured" : "not configured"}
            tone={props.configured ? "ok" : "idle"}
          />
        </div>
      </div>
      {open && <Models id={props.id} />}
    </li>
  );
}

function Models({ id }: { id: string }) {
  const models = useResource(() => get("/api/v1/providers/{id}/models", { params: { id } }));
  if (models.status === "error") return <ErrorNote error={models.error} />;
  if (models.data === undefined) return <Loading what="models" />;
  if (models.data.models.length === 0) return <Empty>No models.</Empty>;
  return (
    <ul className="chips" aria-label={`Models of ${id}`}>
      {models.data.models.map((model) => (
        <li key={model.id}>
          {model.name} <code>{model.id}</code>
        </li>
      ))}
    </ul>
  );
}
