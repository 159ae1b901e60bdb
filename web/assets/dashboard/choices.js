// The values of the workspace's select controls and how they read.

export const PROJECT_STATUS = { active: "Active", on_hold: "On hold", completed: "Completed", archived: "Archived" };
export const TASK_STATUS = { todo: "To do", in_progress: "In progress", blocked: "Blocked", done: "Done" };
export const PRIORITY = { low: "Low", normal: "Normal", high: "High", urgent: "Urgent" };
