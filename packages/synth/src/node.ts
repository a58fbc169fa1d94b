export {
  readRecordImage,
  readSceneRecords,
  type WriteScenesOptions,
  writeFactWorld,
  writeFileAtomic,
  writeSceneRecords,
  writeScenes,
} from './files-node.ts'
