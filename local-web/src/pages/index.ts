// The pages and their paths, in navigation order.
import type { ComponentType } from "react";
import { ApprovalsPage } from "./Approvals";
import { ChatPage } from "./Chat";
import { ConfigPage } from "./Config";
import { DashboardPage } from "./Dashboard";
import { LogsPage } from "./Logs";
import { McpPage } from "./Mcp";
import { ProvidersPage } from "./Providers";
import { SkillsPage } from "./Skills";

export interface Page {
  path: string;
  title: string;
  component: ComponentType;
}

export const PAGES: Page[] = [
  { path: "/", title: "Dashboard", component: DashboardPage },
  { path: "/chat", title: "Chat", component: ChatPage },
  { path: "/approvals", title: "Approvals", component: ApprovalsPage },
  { path: "/skills", title: "Skills", component: SkillsPage },
  { path: "/providers", title: "Providers", component: ProvidersPage },
  { path: "/mcp", title: "MCP tools", component: McpPage },
  { path: "/config", title: "Config", component: ConfigPage },
  { path: "/logs", title: "Logs", component: LogsPage },
];

/** The page at `path` (the dashboard for anything unknown). */
export function pageFor(path: string): Page {
  return PAGES.find((page) => page.path === path) ?? (PAGES[0] as Page);
}
