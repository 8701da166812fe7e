// The small part of dcmjs the project uses (dcmjs ships no type declarations).
declare module 'dcmjs' {
  interface DicomDict {
    meta: Record<string, unknown>;
    dict: Record<string, unknown>;
    write(): ArrayBuffer;
  }
  const dcmjs: {
    data: {
      DicomMessage: { readFile(buffer: ArrayBuffer): DicomDict };
      DicomDict: new (meta: Record<string, unknown>) => DicomDict;
      DicomMetaDictionary: {
        naturalizeDataset(dict: Record<string, unknown>): Record<string, unknown>;
        denaturalizeDataset(dataset: Record<string, unknown>): Record<string, unknown>;
        uid(): string;
      };
    };
  };
  export default dcmjs;
}
