"""The business case paper (`xlcase paper`): a document model built from a case and its appraisal
(`build`, `model`), its charts (`charts`), and three renderers of that one model (`docx`, `html`,
`markdown`)."""
