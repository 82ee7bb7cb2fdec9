"""Reviews: the weekly checklist and the monthly re-assessment, their evidence, workbench and reports."""
